package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
)

// msOrNull is a time as stored in a nullable column: NULL for zero.
func msOrNull(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// isUnique reports whether err is a broken UNIQUE constraint.
func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// CreateClass stores a new class with a fresh join code. name is cleaned
// (CleanName); a zero closesAt keeps the class open for good.
func (db *DB) CreateClass(ctx context.Context, name string, closesAt time.Time) (Class, error) {
	name, err := cleanClassName(name)
	if err != nil {
		return Class{}, fmt.Errorf("create class: %w", err)
	}
	c := Class{Name: name, ClosesAt: closesAt.UTC().Truncate(time.Millisecond), CreatedAt: db.now().UTC().Truncate(time.Millisecond)}
	if closesAt.IsZero() {
		c.ClosesAt = time.Time{}
	}
	for try := 0; ; try++ {
		c.Code = newJoinCode()
		err = db.write(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM classes`).Scan(&n); err != nil {
				return err
			}
			if n >= MaxClasses {
				return ErrTooManyClasses
			}
			return tx.QueryRowContext(ctx, `INSERT INTO classes (name, code, closes_at, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
				c.Name, c.Code, msOrNull(c.ClosesAt), c.CreatedAt.UnixMilli()).Scan(&c.ID)
		})
		if !isUnique(err) || try >= joinCodeTries {
			break
		}
	}
	if err != nil {
		return Class{}, fmt.Errorf("create class: %w", err)
	}
	return c, nil
}

const classColumns = `c.id, c.name, c.code, c.closes_at, c.created_at,
	(SELECT count(*) FROM class_members m WHERE m.class = c.id)`

func scanClass(row scanner, c *Class) error {
	var closes sql.NullInt64
	var created int64
	if err := row.Scan(&c.ID, &c.Name, &c.Code, &closes, &created, &c.Members); err != nil {
		return err
	}
	c.CreatedAt = fromMS(created)
	if closes.Valid {
		c.ClosesAt = fromMS(closes.Int64)
	}
	return nil
}

// Classes returns every class, newest first.
func (db *DB) Classes(ctx context.Context) ([]Class, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+classColumns+` FROM classes c ORDER BY c.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(c *Class) error {
		return scanClass(rows, c)
	})
	if err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	return out, nil
}

// Class returns one class, or ErrClassNotFound.
func (db *DB) Class(ctx context.Context, id int64) (Class, error) {
	var c Class
	err := scanClass(db.r.QueryRowContext(ctx, `SELECT `+classColumns+` FROM classes c WHERE c.id = ?`, id), &c)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrClassNotFound
	}
	if err != nil {
		return c, fmt.Errorf("class %d: %w", id, err)
	}
	return c, nil
}

// ClassByCode returns the class of a join code (see NormalizeCode), or
// ErrClassNotFound.
func (db *DB) ClassByCode(ctx context.Context, code string) (Class, error) {
	var c Class
	code, ok := NormalizeCode(code)
	if !ok {
		return c, ErrClassNotFound
	}
	err := scanClass(db.r.QueryRowContext(ctx, `SELECT `+classColumns+` FROM classes c WHERE c.code = ?`, code), &c)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrClassNotFound
	}
	if err != nil {
		return c, fmt.Errorf("class by code: %w", err)
	}
	return c, nil
}

// DeleteClass removes a class with its members and roster. The runs of
// its learners stay.
func (db *DB) DeleteClass(ctx context.Context, id int64) error {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM classes WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("delete class %d: %w", id, err)
	}
	if n == 0 {
		return ErrClassNotFound
	}
	return nil
}

// JoinClass makes learner a member of class under name. A learner who is
// a member already keeps their membership and their time of joining, and
// takes the new name. It returns ErrClassClosed past the class's closing
// time (for a newcomer), ErrNameTaken, ErrBadName or ErrClassFull.
func (db *DB) JoinClass(ctx context.Context, class int64, learner, name string) (Member, error) {
	m := Member{Class: class, Learner: learner}
	name, ok := CleanName(name, MaxMemberNameLen)
	if !ok || learner == "" {
		return m, ErrBadName
	}
	m.Name = name
	now := db.now().UTC().Truncate(time.Millisecond)
	err := db.write(ctx, func(tx *sql.Tx) error {
		var closes sql.NullInt64
		var members int
		err := tx.QueryRowContext(ctx, `SELECT closes_at, (SELECT count(*) FROM class_members WHERE class = ?) FROM classes WHERE id = ?`,
			class, class).Scan(&closes, &members)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrClassNotFound
		}
		if err != nil {
			return err
		}
		var joined int64
		err = tx.QueryRowContext(ctx, `SELECT id, joined_at FROM class_members WHERE class = ? AND learner = ?`, class, learner).Scan(&m.ID, &joined)
		if err == nil {
			m.JoinedAt = fromMS(joined)
			_, err = tx.ExecContext(ctx, `UPDATE class_members SET name = ? WHERE id = ?`, name, m.ID)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if closes.Valid && now.UnixMilli() >= closes.Int64 {
			return ErrClassClosed
		}
		if members >= MaxMembers {
			return ErrClassFull
		}
		m.JoinedAt = now
		return tx.QueryRowContext(ctx, `INSERT INTO class_members (class, learner, name, joined_at) VALUES (?, ?, ?, ?) RETURNING id`,
			class, learner, name, now.UnixMilli()).Scan(&m.ID)
	})
	switch {
	case isUnique(err):
		return m, ErrNameTaken
	case errors.Is(err, ErrClassNotFound), errors.Is(err, ErrClassClosed), errors.Is(err, ErrClassFull):
		return m, err
	case err != nil:
		return m, fmt.Errorf("join class %d: %w", class, err)
	}
	return m, nil
}

// Members returns the members of a class, by name.
func (db *DB) Members(ctx context.Context, class int64) ([]Member, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, class, learner, name, joined_at FROM class_members WHERE class = ? ORDER BY name, id`, class)
	if err != nil {
		return nil, fmt.Errorf("members of class %d: %w", class, err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(m *Member) error {
		var joined int64
		if err := rows.Scan(&m.ID, &m.Class, &m.Learner, &m.Name, &joined); err != nil {
			return err
		}
		m.JoinedAt = fromMS(joined)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("members of class %d: %w", class, err)
	}
	return out, nil
}

// LearnerClasses returns the classes learner is a member of, the newest
// joined first.
func (db *DB) LearnerClasses(ctx context.Context, learner string) ([]Membership, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+classColumns+`, m.name FROM class_members m JOIN classes c ON c.id = m.class
		WHERE m.learner = ? ORDER BY m.joined_at DESC, m.id DESC`, learner)
	if err != nil {
		return nil, fmt.Errorf("classes of a learner: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(ms *Membership) error {
		var closes sql.NullInt64
		var created int64
		c := &ms.Class
		if err := rows.Scan(&c.ID, &c.Name, &c.Code, &closes, &created, &c.Members, &ms.Name); err != nil {
			return err
		}
		c.CreatedAt = fromMS(created)
		if closes.Valid {
			c.ClosesAt = fromMS(closes.Int64)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("classes of a learner: %w", err)
	}
	return out, nil
}

// RenameMember gives a member another name: ErrBadName, ErrNameTaken or
// ErrMemberNotFound when it cannot.
func (db *DB) RenameMember(ctx context.Context, class, member int64, name string) error {
	name, ok := CleanName(name, MaxMemberNameLen)
	if !ok {
		return ErrBadName
	}
	return db.changeMember(ctx, `UPDATE class_members SET name = ? WHERE class = ? AND id = ?`, name, class, member)
}

// RemoveMember takes a member out of a class. Their runs stay, and are
// the class's again only from a new join on.
func (db *DB) RemoveMember(ctx context.Context, class, member int64) error {
	return db.changeMember(ctx, `DELETE FROM class_members WHERE class = ? AND id = ?`, class, member)
}

func (db *DB) changeMember(ctx context.Context, q string, args ...any) error {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	switch {
	case isUnique(err):
		return ErrNameTaken
	case err != nil:
		return fmt.Errorf("change member: %w", err)
	case n == 0:
		return ErrMemberNotFound
	}
	return nil
}

// SetRoster replaces the roster of a class with names (cleaned, duplicates
// dropped, at most MaxRosterNames).
func (db *DB) SetRoster(ctx context.Context, class int64, names []string) error {
	names, err := cleanRoster(names)
	if err != nil {
		return err
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM classes WHERE id = ?`, class).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrClassNotFound
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM class_roster WHERE class = ?`, class); err != nil {
			return err
		}
		for _, n := range names {
			if _, err := tx.ExecContext(ctx, `INSERT INTO class_roster (class, name) VALUES (?, ?)`, class, n); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrClassNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("set roster of class %d: %w", class, err)
	}
	return nil
}

// Roster returns the names of a class's roster in name order, each marked
// when a member has it.
func (db *DB) Roster(ctx context.Context, class int64) ([]RosterName, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT r.name, EXISTS (SELECT 1 FROM class_members m WHERE m.class = r.class AND m.name = r.name)
		FROM class_roster r WHERE r.class = ? ORDER BY r.name`, class)
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

// ClassProgress reads every member's runs since they joined, in one read
// transaction, and folds them into cells (see ProgressCell).
func (db *DB) ClassProgress(ctx context.Context, class int64) (*ClassProgress, error) {
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("progress of class %d: %w", class, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only; nothing to undo
	p := &ClassProgress{At: db.now().UTC()}
	err = scanClass(tx.QueryRowContext(ctx, `SELECT `+classColumns+` FROM classes c WHERE c.id = ?`, class), &p.Class)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrClassNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("progress of class %d: %w", class, err)
	}
	mrows, err := tx.QueryContext(ctx, `SELECT id, class, learner, name, joined_at FROM class_members WHERE class = ? ORDER BY name, id`, class)
	if err != nil {
		return nil, fmt.Errorf("progress of class %d: %w", class, err)
	}
	for mrows.Next() {
		var m Member
		var joined int64
		if err := mrows.Scan(&m.ID, &m.Class, &m.Learner, &m.Name, &joined); err != nil {
			mrows.Close()
			return nil, fmt.Errorf("progress of class %d: %w", class, err)
		}
		m.JoinedAt = fromMS(joined)
		p.Members = append(p.Members, m)
	}
	mrows.Close()
	if err := mrows.Err(); err != nil {
		return nil, fmt.Errorf("progress of class %d: %w", class, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.id, r.lesson, r.exercise_id, r.id, r.started_at, r.status, r.solved
		FROM class_members m JOIN runs r ON r.learner = m.learner AND r.started_at >= m.joined_at
		WHERE m.class = ? ORDER BY m.id, r.started_at, r.n`, class)
	if err != nil {
		return nil, fmt.Errorf("progress of class %d: %w", class, err)
	}
	defer rows.Close()
	runs, err := collectRows(rows, func(r *progressRow) error {
		var started int64
		if err := rows.Scan(&r.member, &r.lesson, &r.exercise, &r.id, &started, &r.status, &r.solved); err != nil {
			return err
		}
		r.started = fromMS(started)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("progress of class %d: %w", class, err)
	}
	p.Cells = progressFrom(runs, p.At)
	return p, nil
}

// MemberAttempts returns a member's finished runs of one exercise since
// they joined, newest first, at most MaxAttemptsListed.
func (db *DB) MemberAttempts(ctx context.Context, class, member int64, lesson, exercise string) ([]RunSummary, error) {
	var learner string
	var joined int64
	err := db.r.QueryRowContext(ctx, `SELECT learner, joined_at FROM class_members WHERE class = ? AND id = ?`, class, member).Scan(&learner, &joined)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrMemberNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+summaryColumns+` FROM runs
		WHERE learner = ? AND started_at >= ? AND lesson = ? AND exercise_id = ? AND status <> ?
		ORDER BY started_at DESC, n DESC LIMIT ?`, learner, joined, lesson, exercise, StatusRunning, MaxAttemptsListed)
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(s *RunSummary) error {
		return scanSummary(rows, s)
	})
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	return out, nil
}
