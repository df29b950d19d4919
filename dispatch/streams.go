package dispatch

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Streams says how the dispatch's streams are kept: in memory on one box,
// on disk and replicated in a cluster.
type Streams struct {
	Replicas int  // 1 on one box, 3 in a cluster of three
	OnDisk   bool // file storage: waiting runs survive a restart of NATS
}

// ensureStreams creates the streams and the workers' consumer, or updates
// them to this configuration; every node may call it.
func ensureStreams(ctx context.Context, js jetstream.JetStream, s Streams) (jetstream.Consumer, error) {
	storage := jetstream.MemoryStorage
	if s.OnDisk {
		storage = jetstream.FileStorage
	}
	replicas := max(s.Replicas, 1)
	for _, cfg := range []jetstream.StreamConfig{
		// Each run once, to one worker: taken off the stream as it is taken.
		{Name: runsStream, Subjects: []string{runsSubject}, Retention: jetstream.WorkQueuePolicy,
			Storage: storage, Replicas: replicas, MaxAge: keepFor},
		{Name: eventsStream, Subjects: []string{eventsSubject("*")}, Retention: jetstream.LimitsPolicy,
			Storage: storage, Replicas: replicas, MaxAge: keepFor},
		{Name: ctlStream, Subjects: []string{ctlSubject("*")}, Retention: jetstream.LimitsPolicy,
			Storage: storage, Replicas: replicas, MaxAge: keepFor},
	} {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return nil, fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	// Delivered at most once: a worker acknowledges a run as it takes it,
	// and a run whose worker dies is never given to another.
	cons, err := js.CreateOrUpdateConsumer(ctx, runsStream, jetstream.ConsumerConfig{
		Durable: workers, AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: 1,
		AckWait: 30 * time.Second, Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", workers, err)
	}
	return cons, nil
}
