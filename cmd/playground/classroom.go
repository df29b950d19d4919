package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"mpplayground/web"
)

// loadTeachers reads the teachers file of --teachers; "" lists none.
func loadTeachers(path string) ([]web.Teacher, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--teachers: %w", err)
	}
	defer f.Close()
	t, err := web.ParseTeachers(f)
	if err != nil {
		return nil, fmt.Errorf("--teachers %s: %w", path, err)
	}
	return t, nil
}

// reloadOnHangUp reloads, on each SIGHUP until ctx is done, the lessons of
// --lessons DIR (the reloader keeps the old course when the folder has
// problems, and logs them) and the teachers of --teachers FILE (a file
// with problems changes nothing; a teacher taken out of it, or given
// another token, loses their sessions). With neither, SIGHUP keeps its
// default.
func reloadOnHangUp(ctx context.Context, dir string, r *web.LessonsReloader, teachersFile string, app *web.Server, log *slog.Logger) {
	if dir == "" && teachersFile == "" {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			if dir != "" {
				r.Reload() //nolint:errcheck // logged by the reloader, shown to teachers
			}
			if teachersFile != "" {
				t, err := loadTeachers(teachersFile)
				if err != nil {
					log.Warn("teachers not reloaded: the old list stays", "err", err)
					continue
				}
				app.SetTeachers(t)
				log.Info("teachers reloaded", "teachers", len(t))
			}
		}
	}()
}
