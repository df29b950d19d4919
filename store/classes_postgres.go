package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// pgIsUnique reports whether err is a broken UNIQUE constraint.
func pgIsUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func pgTimeOrNull(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t.UTC(), Valid: true}
}

// CreateClass stores a new class with a fresh join code; see
// DB.CreateClass.
func (db *Postgres) CreateClass(ctx context.Context, name string, closesAt time.Time) (Class, error) {
	name, err := cleanClassName(name)
	if err != nil {
		return Class{}, fmt.Errorf("create class: %w", err)
	}
	c := Class{Name: name, CreatedAt: db.now().UTC().Truncate(time.Millisecond)}
	if !closesAt.IsZero() {
		c.ClosesAt = closesAt.UTC().Truncate(time.Millisecond)
	}
	for try := 0; ; try++ {
		c.Code = newJoinCode()
		// The count and the insert are one statement; two servers creating
		// the last class at once may pass the bound by one.
		err = db.pool.QueryRow(ctx, `INSERT INTO classes (name, code, closes_at, created_at)
			SELECT $1, $2, $3, $4 WHERE (SELECT count(*) FROM classes) < $5 RETURNING id`,
			c.Name, c.Code, pgTimeOrNull(c.ClosesAt), c.CreatedAt, MaxClasses).Scan(&c.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			err = ErrTooManyClasses
		}
		if !pgIsUnique(err) || try >= joinCodeTries {
			break
		}
	}
	if err != nil {
		return Class{}, fmt.Errorf("create class: %w", err)
	}
	return c, nil
}

func pgScanClass(row pgx.Row, c *Class, extra ...any) error {
	var closes pgtype.Timestamptz
	if err := row.Scan(append([]any{&c.ID, &c.Name, &c.Code, &closes, &c.CreatedAt, &c.Members}, extra...)...); err != nil {
		return err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	if closes.Valid {
		c.ClosesAt = closes.Time.UTC()
	}
	return nil
}

// Classes returns every class, newest first.
func (db *Postgres) Classes(ctx context.Context) ([]Class, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+classColumns+` FROM classes c ORDER BY c.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(c *Class) error {
		return pgScanClass(rows, c)
	})
	if err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	return out, nil
}

// Class returns one class, or ErrClassNotFound.
func (db *Postgres) Class(ctx context.Context, id int64) (Class, error) {
	return db.classWhere(ctx, `c.id = $1`, id)
}

// ClassByCode returns the class of a join code, or ErrClassNotFound.
func (db *Postgres) ClassByCode(ctx context.Context, code string) (Class, error) {
	code, ok := NormalizeCode(code)
	if !ok {
		return Class{}, ErrClassNotFound
	}
	return db.classWhere(ctx, `c.code = $1`, code)
}

func (db *Postgres) classWhere(ctx context.Context, where string, arg any) (Class, error) {
	var c Class
	err := pgScanClass(db.pool.QueryRow(ctx, `SELECT `+classColumns+` FROM classes c WHERE `+where, arg), &c)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrClassNotFound
	}
	if err != nil {
		return c, fmt.Errorf("class: %w", err)
	}
	return c, nil
}

// DeleteClass removes a class with its members and roster; no run.
func (db *Postgres) DeleteClass(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM classes WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete class %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrClassNotFound
	}
	return nil
}

// JoinClass makes learner a member of class under name; see DB.JoinClass.
func (db *Postgres) JoinClass(ctx context.Context, class int64, learner, name string) (Member, error) {
	m := Member{Class: class, Learner: learner}
	name, ok := CleanName(name, MaxMemberNameLen)
	if !ok || learner == "" {
		return m, ErrBadName
	}
	m.Name = name
	now := db.now().UTC().Truncate(time.Millisecond)
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// The class's row is locked: joins of one class follow each other,
		// so the bound on its members holds.
		var closes pgtype.Timestamptz
		err := tx.QueryRow(ctx, `SELECT closes_at FROM classes WHERE id = $1 FOR UPDATE`, class).Scan(&closes)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrClassNotFound
		}
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT id, joined_at FROM class_members WHERE class = $1 AND learner = $2`, class, learner).Scan(&m.ID, &m.JoinedAt)
		if err == nil {
			m.JoinedAt = m.JoinedAt.UTC()
			_, err = tx.Exec(ctx, `UPDATE class_members SET name = $1 WHERE id = $2`, name, m.ID)
			return err
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if closes.Valid && !now.Before(closes.Time) {
			return ErrClassClosed
		}
		var members int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM class_members WHERE class = $1`, class).Scan(&members); err != nil {
			return err
		}
		if members >= MaxMembers {
			return ErrClassFull
		}
		m.JoinedAt = now
		return tx.QueryRow(ctx, `INSERT INTO class_members (class, learner, name, joined_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			class, learner, name, now).Scan(&m.ID)
	})
	switch {
	case pgIsUnique(err):
		return m, ErrNameTaken
	case errors.Is(err, ErrClassNotFound), errors.Is(err, ErrClassClosed), errors.Is(err, ErrClassFull):
		return m, err
	case err != nil:
		return m, fmt.Errorf("join class %d: %w", class, err)
	}
	return m, nil
}

func pgCollectMembers(rows pgx.Rows) ([]Member, error) {
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.ID, &m.Class, &m.Learner, &m.Name, &m.JoinedAt); err != nil {
			return nil, err
		}
		m.JoinedAt = m.JoinedAt.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// Members returns the members of a class, by name.
func (db *Postgres) Members(ctx context.Context, class int64) ([]Member, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, class, learner, name, joined_at FROM class_members WHERE class = $1 ORDER BY name, id`, class)
	if err != nil {
		return nil, fmt.Errorf("members of class %d: %w", class, err)
	}
	out, err := pgCollectMembers(rows)
	if err != nil {
		return nil, fmt.Errorf("members of class %d: %w", class, err)
	}
	return out, nil
}

// LearnerClasses returns the classes learner is a member of, the newest
// joined first.
func (db *Postgres) LearnerClasses(ctx context.Context, learner string) ([]Membership, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+classColumns+`, m.name FROM class_members m JOIN classes c ON c.id = m.class
		WHERE m.learner = $1 ORDER BY m.joined_at DESC, m.id DESC`, learner)
	if err != nil {
		return nil, fmt.Errorf("classes of a learner: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(ms *Membership) error {
		return pgScanClass(rows, &ms.Class, &ms.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("classes of a learner: %w", err)
	}
	return out, nil
}

// RenameMember gives a member another name; see DB.RenameMember.
func (db *Postgres) RenameMember(ctx context.Context, class, member int64, name string) error {
	name, ok := CleanName(name, MaxMemberNameLen)
	if !ok {
		return ErrBadName
	}
	return db.changeMember(ctx, `UPDATE class_members SET name = $1 WHERE class = $2 AND id = $3`, name, class, member)
}

// RemoveMember takes a member out of a class; see DB.RemoveMember.
func (db *Postgres) RemoveMember(ctx context.Context, class, member int64) error {
	return db.changeMember(ctx, `DELETE FROM class_members WHERE class = $1 AND id = $2`, class, member)
}

func (db *Postgres) changeMember(ctx context.Context, q string, args ...any) error {
	tag, err := db.pool.Exec(ctx, q, args...)
	switch {
	case pgIsUnique(err):
		return ErrNameTaken
	case err != nil:
		return fmt.Errorf("change member: %w", err)
	case tag.RowsAffected() == 0:
		return ErrMemberNotFound
	}
	return nil
}

// SetRoster replaces the roster of a class; see DB.SetRoster.
func (db *Postgres) SetRoster(ctx context.Context, class int64, names []string) error {
	names, err := cleanRoster(names)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM classes WHERE id = $1 FOR UPDATE`, class).Scan(&one); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrClassNotFound
			}
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM class_roster WHERE class = $1`, class); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO class_roster (class, name) SELECT $1, unnest($2::text[])`, class, names)
		return err
	})
	if errors.Is(err, ErrClassNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("set roster of class %d: %w", class, err)
	}
	return nil
}

// Roster returns the names of a class's roster; see DB.Roster.
func (db *Postgres) Roster(ctx context.Context, class int64) ([]RosterName, error) {
	rows, err := db.pool.Query(ctx, `SELECT r.name, EXISTS (SELECT 1 FROM class_members m WHERE m.class = r.class AND m.name = r.name)
		FROM class_roster r WHERE r.class = $1 ORDER BY r.name`, class)
	if err != nil {
		return nil, fmt.Errorf("roster of class %d: %w", class, err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(r *RosterName) error {
		return rows.Scan(&r.Name, &r.Taken)
	})
	if err != nil {
		return nil, fmt.Errorf("roster of class %d: %w", class, err)
	}
	return out, nil
}

// ClassProgress reads every member's runs since they joined, in one
// repeatable-read transaction, and folds them into cells.
func (db *Postgres) ClassProgress(ctx context.Context, class int64) (*ClassProgress, error) {
	p := &ClassProgress{At: db.now().UTC()}
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := pgScanClass(tx.QueryRow(ctx, `SELECT `+classColumns+` FROM classes c WHERE c.id = $1`, class), &p.Class); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrClassNotFound
			}
			return err
		}
		mrows, err := tx.Query(ctx, `SELECT id, class, learner, name, joined_at FROM class_members WHERE class = $1 ORDER BY name, id`, class)
		if err != nil {
			return err
		}
		if p.Members, err = pgCollectMembers(mrows); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT m.id, r.lesson, r.exercise_id, r.id, r.started_at, r.status, r.solved
			FROM class_members m JOIN runs r ON r.learner = m.learner AND r.started_at >= m.joined_at
			WHERE m.class = $1 ORDER BY m.id, r.started_at, r.n`, class)
		if err != nil {
			return err
		}
		defer rows.Close()
		var runs []progressRow
		for rows.Next() {
			var r progressRow
			if err := rows.Scan(&r.member, &r.lesson, &r.exercise, &r.id, &r.started, &r.status, &r.solved); err != nil {
				return err
			}
			runs = append(runs, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		p.Cells = progressFrom(runs, p.At)
		return nil
	})
	if errors.Is(err, ErrClassNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("progress of class %d: %w", class, err)
	}
	return p, nil
}

// MemberAttempts returns a member's finished runs of one exercise since
// they joined, newest first; see DB.MemberAttempts.
func (db *Postgres) MemberAttempts(ctx context.Context, class, member int64, lesson, exercise string) ([]RunSummary, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+pgSummaryColumns+` FROM runs
		WHERE learner = (SELECT learner FROM class_members WHERE class = $1 AND id = $2)
		  AND started_at >= (SELECT joined_at FROM class_members WHERE class = $1 AND id = $2)
		  AND lesson = $3 AND exercise_id = $4 AND status <> $5
		ORDER BY started_at DESC, n DESC LIMIT $6`, class, member, lesson, exercise, StatusRunning, MaxAttemptsListed)
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(s *RunSummary) error {
		return pgScanSummary(rows, s)
	})
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	if len(out) == 0 {
		var one int
		if err := db.pool.QueryRow(ctx, `SELECT 1 FROM class_members WHERE class = $1 AND id = $2`, class, member).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrMemberNotFound
		}
	}
	return out, nil
}
