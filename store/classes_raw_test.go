package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"mpplayground/store"
)

// startedAt is a start time in the SQL of place's back end.
func startedAt(place string) string {
	if store.IsPostgres(place) {
		return `'2026-01-02T03:04:05Z'`
	}
	return `1767323045000`
}

// rawExec runs statements on the database of place, beside the store.
func rawExec(t *testing.T, place string, qs ...string) {
	t.Helper()
	ctx := context.Background()
	if store.IsPostgres(place) {
		c, err := pgx.Connect(ctx, place)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		for _, q := range qs {
			if _, err := c.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		return
	}
	raw, err := sql.Open("sqlite3", place)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range qs {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// rawQuery returns the values of a one-column query, comma-separated.
func rawQuery(t *testing.T, place, q string) string {
	t.Helper()
	ctx := context.Background()
	var out []string
	if store.IsPostgres(place) {
		c, err := pgx.Connect(ctx, place)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		rows, _ := c.Query(ctx, q)
		vals, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(vals, ",")
	}
	raw, err := sql.Open("sqlite3", place)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return strings.Join(out, ",")
}
