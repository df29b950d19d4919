package store

// rowSet is what the result sets of database/sql (SQLite) and of pgx
// (PostgreSQL) have in common.
type rowSet interface {
	Next() bool
	Err() error
}

// collectRows scans each row of rows, in order, with scan into a new T.
func collectRows[T any](rows rowSet, scan func(*T) error) ([]T, error) {
	var out []T
	for rows.Next() {
		var v T
		if err := scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
