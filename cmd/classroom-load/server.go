// A playground server started by this command: built, started on a free
// port with a database of its own, waited for and stopped.

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// serverStartTimeout bounds the wait for the started server's address.
const serverStartTimeout = 30 * time.Second

// server is a playground server started by this command.
type server struct {
	cmd *exec.Cmd
	dir string
	url string
}

// startServer starts bin (or builds ./cmd/playground when bin is "") and
// serves on a free port with a database of its own; the address is read
// from its JSON log.
func startServer(ctx context.Context, bin string, flags []string) (*server, error) {
	dir, err := os.MkdirTemp("", "classroom-load-")
	if err != nil {
		return nil, err
	}
	if bin == "" {
		if bin, err = buildServer(ctx, dir); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "playground.db"), "--log-format", "json"}, flags...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start the server: %w", err)
	}
	s := &server{cmd: cmd, dir: dir}
	found := make(chan string, 1)
	go readLog(stderr, found)
	select {
	case u := <-found:
		s.url = strings.Replace(u, "localhost", "127.0.0.1", 1)
	case <-time.After(serverStartTimeout):
		s.stop()
		return nil, errors.New("the server did not say its address in time")
	}
	if err := waitHealthy(s.url); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// buildServer builds ./cmd/playground into dir and returns the binary.
func buildServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "playground")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "mpplayground/cmd/playground")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build the server (run this command from the module, or give --server): %w", err)
	}
	return bin, nil
}

// readLog reads the server's JSON log to the end, so the server never
// blocks on it: warnings and errors are passed on, and the address the
// server says it serves on is sent to found.
func readLog(stderr io.Reader, found chan<- string) {
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct {
			Level string `json:"level"`
			URL   string `json:"url"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Level != "INFO" {
			fmt.Fprintf(os.Stderr, "server: %s\n", sc.Bytes())
		}
		if line.URL != "" {
			select {
			case found <- line.URL:
			default:
			}
		}
	}
}

func waitHealthy(base string) error {
	deadline := time.Now().Add(serverStartTimeout)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server is not healthy: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(s.dir)
}
