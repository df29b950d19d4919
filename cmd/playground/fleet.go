package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"mpplayground/dispatch"
	"mpplayground/web"
)

// natsFlags say how a node reaches the dispatch: the flags shared by
// `serve` and `worker`.
type natsFlags struct {
	URL      string // servers to connect to, comma-separated
	Replicas int    // copies of each stream: 3 in a cluster of three
	Token    string // the servers' client token
}

func (f *natsFlags) add(fs *flag.FlagSet, what string) {
	fs.StringVar(&f.URL, "nats", "", what)
	fs.StringVar(&f.Token, "nats-token", "", "`token` the NATS servers require of their clients (playground nats --token, serve --nats-embed); give it by PLAYGROUND_NATS_TOKEN rather than on the command line")
	fs.IntVar(&f.Replicas, "nats-replicas", 1, "copies of the dispatch's streams kept by the NATS cluster (3 in a cluster of three; more than 1 keeps them on disk)")
}

func (f *natsFlags) streams() dispatch.Streams {
	return dispatch.Streams{Replicas: max(f.Replicas, 1), OnDisk: f.Replicas > 1}
}

// How a node keeps its connection to NATS: it reconnects for ever, at
// once to another server of the cluster, and tries again every
// natsReconnectWait when none answers.
const (
	natsReconnectWait = 250 * time.Millisecond
	// natsStartupWait is how long a node waits at start for NATS and its
	// streams (a cluster elects its leaders in a few seconds).
	natsStartupWait = 60 * time.Second
)

// connectNATS connects to the servers in urls as name, and logs the
// connection's changes.
func connectNATS(urls, token, name string, log *slog.Logger) (*nats.Conn, error) {
	nc, err := nats.Connect(urls, nats.Name(name), nats.Token(token),
		nats.MaxReconnects(-1), nats.ReconnectWait(natsReconnectWait), nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("disconnected from NATS", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("reconnected to NATS", "server", nc.ConnectedUrlRedacted())
		}))
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", urls, err)
	}
	return nc, nil
}

// retryStartup calls try until it succeeds, ctx ends or natsStartupWait
// has passed: NATS, or its cluster, may still be starting.
func retryStartup(ctx context.Context, what string, try func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, natsStartupWait)
	defer cancel()
	for {
		attempt, stop := context.WithTimeout(ctx, 10*time.Second)
		err := try(attempt)
		stop()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// fleet is a dispatch Client as the web server's Fleet.
type fleet struct{ *dispatch.Client }

var _ web.Fleet = fleet{}

func (f fleet) DispatchHealth(ctx context.Context) (bool, any) {
	h := f.Health(ctx)
	return h.OK(), h
}

// startEmbeddedNATS starts a NATS server in this process listening on
// addr (host:port), JetStream's files in dir.
func startEmbeddedNATS(addr, dir, token string) (url string, shutdown func(), err error) {
	host, port, err := splitPort(addr)
	if err != nil {
		return "", nil, fmt.Errorf("--nats-embed %q: %w", addr, err)
	}
	s, err := dispatch.Embedded{Name: "playground", Host: host, Port: port, StoreDir: dir, Token: token}.Start()
	if err != nil {
		return "", nil, err
	}
	return s.ClientURL(), func() { s.Shutdown(); s.WaitForShutdown() }, nil
}

// splitPort splits host:port; an empty host is every address.
func splitPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, errors.New("the port is not a number from 0 to 65535")
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return host, port, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// fleetMaxRuns is a web node's default bound on the runs it follows at
// once when workers run them: the workers' slots and the queue decide who
// runs when, and the node only relays events.
const fleetMaxRuns = 1000

// useFleet makes cfg send the programs to workers through NATS: the
// servers of --nats, or one started here (--nats-embed). It returns what
// closes the connection and the embedded server.
func useFleet(ctx context.Context, cfg *web.Config, o serveOptions, log *slog.Logger) (func(), error) {
	if o.NATS.URL != "" && o.NATSEmbed != "" {
		return nil, errors.New("give --nats or --nats-embed, not both")
	}
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	urls := o.NATS.URL
	if o.NATSEmbed != "" {
		dir, err := os.MkdirTemp("", "playground-nats-")
		if err != nil {
			return nil, err
		}
		closers = append(closers, func() { os.RemoveAll(dir) })
		url, shutdown, err := startEmbeddedNATS(o.NATSEmbed, dir, o.NATS.Token)
		if err != nil {
			closeAll()
			return nil, err
		}
		closers = append(closers, shutdown)
		urls = url
		log.Info("NATS runs in this process", "url", url)
	}
	nc, err := connectNATS(urls, o.NATS.Token, "playground web", log)
	if err != nil {
		closeAll()
		return nil, err
	}
	closers = append(closers, nc.Close)
	var client *dispatch.Client
	err = retryStartup(ctx, "the dispatch's streams", func(ctx context.Context) error {
		client, err = dispatch.NewClient(ctx, nc, o.NATS.streams())
		return err
	})
	if err != nil {
		closeAll()
		return nil, err
	}
	cfg.Executor, cfg.Fleet = client, fleet{client}
	if cfg.MaxRuns <= 0 {
		cfg.MaxRuns = fleetMaxRuns
	}
	log.Info("programs run on workers", "nats", urls, "replicas", o.NATS.streams().Replicas)
	return closeAll, nil
}
