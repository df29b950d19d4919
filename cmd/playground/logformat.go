package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// logFormat is the value of --log-format: how the server writes its log.
type logFormat string

const (
	logText logFormat = "text" // key=value lines, for a person reading a terminal
	logJSON logFormat = "json" // one JSON object per line, for a log collector
)

// addLogFormatFlag defines --log-format on a command's flags.
func addLogFormatFlag(fs *flag.FlagSet) *logFormat {
	f := logText
	fs.Var(&f, "log-format", "log `format`: text or json")
	return &f
}

func (f *logFormat) String() string { return string(*f) }

func (f *logFormat) Set(s string) error {
	switch logFormat(s) {
	case logText, logJSON:
		*f = logFormat(s)
		return nil
	}
	return fmt.Errorf("must be text or json")
}

// logger returns a logger that writes to w in the chosen format.
func (f *logFormat) logger(w io.Writer) *slog.Logger {
	if *f == logJSON {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
