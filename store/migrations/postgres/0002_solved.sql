-- Whether a run solved its lesson's exercise (every check of an exercise
-- passed): progress is counted from it. No PostgreSQL store holds runs from
-- before the column, so none needs filling (SQLite's 0002 fills them).
ALTER TABLE runs ADD COLUMN solved boolean NOT NULL DEFAULT false;
