package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"mpplayground/event"
)

// ErrUnknownRun means the events stream holds nothing of the run: it never
// went through the dispatch, or it ended longer ago than keepFor.
var ErrUnknownRun = errors.New("the run is not in the dispatch's events")

// Follow emits, in order, the events of a run that another web node
// started, from the one after seq after, as they come, until its run.end;
// it returns nil once run.end is emitted and ctx's error if ctx ends
// first. A page that lost its connection to one web node resumes the run
// on another this way.
func (c *Client) Follow(ctx context.Context, runID string, after int64, emit func(event.Event)) error {
	subject := eventsSubject(runID)
	var msgs jetstream.MessagesContext
	err := retry(ctx, func(ctx context.Context) error {
		stream, err := c.js.Stream(ctx, eventsStream)
		if err != nil {
			return err
		}
		info, err := stream.Info(ctx, jetstream.WithSubjectFilter(subject))
		if err != nil {
			return err
		}
		if info.State.Subjects[subject] == 0 {
			return nil
		}
		cons, err := c.js.OrderedConsumer(ctx, eventsStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
		if err != nil {
			return err
		}
		msgs, err = cons.Messages(pullBriefly...)
		return err
	})
	if err != nil {
		return err
	}
	if msgs == nil {
		return ErrUnknownRun
	}
	defer msgs.Stop()
	stop := context.AfterFunc(ctx, msgs.Stop)
	defer stop()

	order := newInOrder()
	order.skipTo(after)
	ended := false
	pass := func(e event.Event) {
		if !ended {
			emit(e)
			ended = e.Type == event.TypeRunEnd
		}
	}
	for !ended {
		m, err := msgs.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("follow run %s: %w", runID, err)
		}
		var e event.Event
		if json.Unmarshal(m.Data(), &e) == nil {
			order.take(e, pass)
		}
	}
	return nil
}
