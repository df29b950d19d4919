package store_test

import (
	"context"
	"testing"

	"mpplayground/store"
)

func TestProgress(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	finish := func(lesson, learner, exercise string) {
		t.Helper()
		r := MustCreateRun(t, db, lesson, learner)
		if err := db.FinishRun(ctx, r.ID, store.Finish{Status: "ok", Exercise: exercise}); err != nil {
			t.Fatal(err)
		}
	}
	finish("pools", "ada", `{"exercise":"four","solved":true}`)
	finish("pools", "ada", `{"exercise":"four","solved":false}`)
	finish("pools", "ada", ``)
	finish("queues", "ada", `{"exercise":"","passed":true}`)
	finish("queues", "ada", `not json`)
	finish("pools", "bob", `{"solved":true}`)
	MustCreateRun(t, db, "pipes", "ada") // still running

	t.Run("CountsRunsAndSolvedRunsPerLesson", func(t *testing.T) {
		got, err := db.Progress(ctx, "ada")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]store.LessonProgress{"pools": {Runs: 3, Solved: 1}, "queues": {Runs: 2}, "pipes": {Runs: 1}}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: got %+v, want %+v", k, got[k], v)
			}
		}
	})
	t.Run("OnlyTheLearnersOwnRuns", func(t *testing.T) {
		got, err := db.Progress(ctx, "bob")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got["pools"] != (store.LessonProgress{Runs: 1, Solved: 1}) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("EmptyForAnUnknownLearner", func(t *testing.T) {
		got, err := db.Progress(ctx, "nobody")
		if err != nil || len(got) != 0 {
			t.Fatalf("got %v, %v", got, err)
		}
	})
}
