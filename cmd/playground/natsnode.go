package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/dispatch"
)

// natsCmd runs one NATS server, JetStream on, until SIGTERM or SIGINT: a
// node of the cluster that carries the runs when no NATS is installed.
func natsCmd(args []string) int {
	fs := flag.NewFlagSet("nats", flag.ContinueOnError)
	var name, addr, cluster, clusterAddr, routes, dir, token string
	fs.StringVar(&name, "name", "", "the server's `name`, unique in its cluster (required)")
	fs.StringVar(&addr, "addr", "127.0.0.1:4222", "`host:port` clients connect to")
	fs.StringVar(&cluster, "cluster", "", "the cluster's `name` (default: a server alone)")
	fs.StringVar(&clusterAddr, "cluster-addr", "127.0.0.1:6222", "`host:port` the cluster's other servers connect to")
	fs.StringVar(&routes, "routes", "", "the other servers of the cluster, comma-separated (nats-route://host:port)")
	fs.StringVar(&dir, "store", "", "`folder` of JetStream's files (required)")
	fs.StringVar(&token, "token", "", "`token` required of every client (serve and worker --nats-token); give it by PLAYGROUND_TOKEN rather than on the command line")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: playground nats --name NAME --store DIR [flags]\n\nRuns a NATS server with JetStream, alone or as a node of a cluster.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || name == "" || dir == "" {
		fmt.Fprintln(os.Stderr, "playground nats: --name and --store are required, and nothing else")
		return 2
	}
	host, port, err := splitPort(addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "playground nats: --addr %q: %v\n", addr, err)
		return 2
	}
	e := dispatch.Embedded{Name: name, Host: host, Port: port, StoreDir: dir, Cluster: cluster, Routes: splitList(routes), Token: token}
	if cluster != "" {
		_, cport, err := splitPort(clusterAddr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "playground nats: --cluster-addr %q: %v\n", clusterAddr, err)
			return 2
		}
		e.ClusterPort = cport
	}
	s, err := e.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "playground:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "playground nats: %s serves %s\n", name, s.ClientURL())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	s.Shutdown()
	s.WaitForShutdown()
	return 0
}
