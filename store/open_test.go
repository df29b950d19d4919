package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // a second, independent connection to the file

	"mpplayground/store"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()

	t.Run("CreatesFileWithSettings", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), store.DefaultFile)
		db := MustOpenPath(t, path)
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
		if db.Path() != path {
			t.Errorf("Path() = %q", db.Path())
		}
		raw := mustRaw(t, path)
		for pragma, want := range map[string]string{"journal_mode": "wal", "auto_vacuum": "2"} {
			var got string
			if err := raw.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
			}
		}
		if err := db.Check(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("MigrationsAppliedOnce", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), store.DefaultFile)
		for i := 0; i < 3; i++ {
			db, err := store.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := mustRaw(t, path).QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		entries, _ := filepath.Glob("migrations/*.sql")
		if n != len(entries) || n == 0 {
			t.Fatalf("%d migrations recorded, %d files", n, len(entries))
		}
	})

	t.Run("ErrCorruptForGarbageFile", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), store.DefaultFile)
		garbage := bytes.Repeat([]byte("this is not a database \x00\xff\x13"), 1000)
		if err := os.WriteFile(path, garbage, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(ctx, path)
		assertOpenError(t, err, store.ErrCorrupt, path)
		// The file is left as it was: never overwritten.
		if b, _ := os.ReadFile(path); !bytes.Equal(b, garbage) {
			t.Fatal("the garbage file was changed")
		}
	})

	t.Run("ErrCorruptForDamagedDatabase", func(t *testing.T) {
		// A real database whose schema page is overwritten.
		path := filepath.Join(t.TempDir(), store.DefaultFile)
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		MustCreateRun(t, db, "l", "a")
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 3000), 100); err != nil {
			t.Fatal(err)
		}
		f.Close()
		_, err = store.Open(ctx, path)
		assertOpenError(t, err, store.ErrCorrupt, path)
	})

	t.Run("ErrUnwritableForPathUnderAFile", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "plain-file")
		if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(file, store.DefaultFile)
		_, err := store.Open(ctx, path)
		assertOpenError(t, err, store.ErrUnwritable, path)
	})

	t.Run("ErrUnwritableForDirectory", func(t *testing.T) {
		path := t.TempDir()
		_, err := store.Open(ctx, path)
		assertOpenError(t, err, store.ErrUnwritable, path)
	})

	t.Run("ErrLockedWhileAnotherStoreHasIt", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), store.DefaultFile)
		MustOpenPath(t, path)
		_, err := store.Open(ctx, path)
		assertOpenError(t, err, store.ErrLocked, path)
	})

	t.Run("ErrLockedWhenAnotherWriterHoldsTheLockTooLong", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), store.DefaultFile)
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		// Another program (a shell, a backup) holds a write transaction.
		raw := mustRaw(t, path)
		tx, err := raw.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec(`INSERT INTO learners (id, nickname, updated_at) VALUES ('x', 'y', 0)`); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = store.OpenSQLite(path, store.Options{BusyTimeout: 300 * time.Millisecond})
		assertOpenError(t, err, store.ErrLocked, path)
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("gave up after %v, before the busy timeout", d)
		}
	})
}

func assertOpenError(t *testing.T, err, want error, path string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Open succeeded, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("Open error = %v, want %v", err, want)
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.HasPrefix(msg, "open store") {
		t.Fatalf("error %q does not name the store and its path", msg)
	}
	t.Log(err)
}

// mustRaw opens the file with plain go-sqlite3, as another program would.
func mustRaw(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_txlock=immediate&_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	tb.Cleanup(func() { raw.Close() })
	return raw
}
