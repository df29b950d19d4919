package dispatch

import (
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Embedded configures a NATS server run inside the playground's process,
// JetStream on: alone for one box and the tests, or as one node of a
// cluster.
type Embedded struct {
	Name     string // the server's name, unique in a cluster
	Host     string // "" listens on 127.0.0.1
	Port     int    // client port; 0 picks a free one
	StoreDir string // JetStream's files
	// Token, if set, is required of every client: without it, anyone who
	// reaches the port could queue runs, read programs or forge events.
	Token string
	// A cluster: its name, this node's route port and the others' routes
	// ("nats-route://host:port"); none for a server alone.
	Cluster     string
	ClusterPort int
	Routes      []string
}

// Start starts the server and waits until it takes connections.
func (e Embedded) Start() (*server.Server, error) {
	host := e.Host
	if host == "" {
		host = "127.0.0.1"
	}
	port := e.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{ServerName: e.Name, Host: host, Port: port, JetStream: true, StoreDir: e.StoreDir,
		NoSigs: true, NoLog: true, Authorization: e.Token}
	if e.Cluster != "" {
		opts.Cluster = server.ClusterOpts{Name: e.Cluster, Host: host, Port: e.ClusterPort}
		for _, r := range e.Routes {
			u, err := url.Parse(r)
			if err != nil {
				return nil, fmt.Errorf("route %q: %w", r, err)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, err
	}
	s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("the embedded NATS server %q did not start", e.Name)
	}
	return s, nil
}
