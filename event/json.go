package event

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends the event's JSON object to b: the same bytes as
// encoding/json gives for the struct, written directly, because a run can
// produce tens of thousands of events a second. MarshalJSON uses it too.
func (e Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, `,"t":`...)
	b = appendJSONFloat(b, e.T)
	b = appendField(b, "type", e.Type)
	b = appendField(b, "run_id", e.RunID)
	b = appendField(b, "python", e.Python)
	if e.Limits != nil {
		j, _ := json.Marshal(e.Limits)
		b = append(append(b, `,"limits":`...), j...)
	}
	if e.Sandbox != nil {
		j, _ := json.Marshal(e.Sandbox)
		b = append(append(b, `,"sandbox":`...), j...)
	}
	if e.PID != 0 {
		b = append(b, `,"pid":`...)
		b = strconv.AppendInt(b, int64(e.PID), 10)
	}
	b = appendIntField(b, "ppid", e.PPID)
	b = appendField(b, "name", e.Name)
	b = appendField(b, "via", e.Via)
	if len(e.Argv) > 0 {
		b = append(b, `,"argv":[`...)
		for i, a := range e.Argv {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, a)
		}
		b = append(b, ']')
	}
	b = appendField(b, "stream", e.Stream)
	b = appendField(b, "text", e.Text)
	b = appendIntField(b, "code", e.Code)
	b = appendField(b, "signal", e.Signal)
	b = appendField(b, "kind", e.Kind)
	b = appendField(b, "message", e.Message)
	b = appendField(b, "status", e.Status)
	b = appendIntField(b, "exit_code", e.ExitCode)
	b = appendFloatField(b, "duration_ms", e.DurationMS)
	b = appendField(b, "queue", e.Queue)
	b = appendField(b, "pipe", e.Pipe)
	b = appendIntField(b, "end", e.End)
	b = appendField(b, "pool", e.Pool)
	b = appendField(b, "task", e.Task)
	b = appendField(b, "function", e.Function)
	b = appendField(b, "lock", e.Lock)
	b = appendField(b, "shm", e.Shm)
	b = appendField(b, "object", e.Object)
	b = appendField(b, "msg", e.Msg)
	b = appendIntField(b, "index", e.Index)
	b = appendField(b, "summary", e.Summary)
	b = appendIntField(b, "size", e.Size)
	b = appendFloatField(b, "waited_ms", e.WaitedMS)
	b = appendField(b, "error", e.Error)
	b = appendField(b, "op", e.Op)
	b = appendField(b, "pattern", e.Pattern)
	if len(e.PIDs) > 0 {
		b = append(b, `,"pids":[`...)
		for i, p := range e.PIDs {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(p), 10)
		}
		b = append(b, ']')
	}
	if len(e.Stacks) > 0 {
		j, _ := json.Marshal(e.Stacks)
		b = append(append(b, `,"stacks":`...), j...)
	}
	return append(b, '}')
}

// MarshalJSON writes the event as the contract's JSON object.
func (e Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(make([]byte, 0, 128)), nil }

func appendField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, v)
}

func appendIntField(b []byte, name string, v *int) []byte {
	if v == nil {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, int64(*v), 10)
}

func appendFloatField(b []byte, name string, v *float64) []byte {
	if v == nil {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONFloat(b, *v)
}

// appendJSONFloat formats like encoding/json.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, '0')
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does: invalid UTF-8 becomes
// U+FFFD, and <, >, &, U+2028 and U+2029 are escaped, so that the JSON is
// safe to embed in a page.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
