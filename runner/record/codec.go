package record

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"mpplayground/event"
)

// Records travel from the init to the runner in a compact binary form: a
// uvarint length, then (tag, value) pairs. Strings are a uvarint length and
// the bytes, integers zig-zag varints. A run may produce tens of thousands
// of records a second; this costs a fraction of JSON.

// Tags of the record's fields.
const (
	tagNS byte = iota + 1
	tagLimit
	tagError
	tagWhere
	tagType
	tagPID
	tagPPID
	tagName
	tagVia
	tagArg
	tagStream
	tagText
	tagCode
	tagSignal
	tagIPCPID
	tagIPCLines
	tagProbeCPU
	tagProbePID
)

// ProcFields are the fields of a process event that a record carries: the
// init observes processes and their output; everything else of an event
// is the runner's to set.
var ProcFields = []string{"type", "pid", "ppid", "name", "via", "argv", "stream", "text", "code", "signal"}

// maxRecord bounds one record (an output event holds at most
// MaxOutputText bytes).
const maxRecord = 1 << 20

func appendString(b []byte, tag byte, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendInt(b []byte, tag byte, v int64) []byte {
	b = append(b, tag)
	return binary.AppendVarint(b, v)
}

func appendIntPtr(b []byte, tag byte, v *int) []byte {
	if v == nil {
		return b
	}
	return appendInt(b, tag, int64(*v))
}

// Append encodes r, framed.
func Append(b []byte, r Record) []byte {
	return Frame(b, AppendBody(nil, r))
}

// Frame appends the framing of a record body and the body.
func Frame(b, body []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

// AppendBody appends the fields of r.
func AppendBody(p []byte, r Record) []byte {
	p = appendInt(p, tagNS, r.NS)
	p = appendString(p, tagLimit, r.Limit)
	p = appendString(p, tagError, r.Error)
	p = appendString(p, tagWhere, r.Where)
	if b := r.IPC; b != nil {
		p = appendInt(p, tagIPCPID, int64(b.PID))
		p = appendString(p, tagIPCLines, b.Lines)
	}
	if pr := r.Probe; pr != nil {
		p = appendInt(p, tagProbeCPU, pr.CPUTicks)
		for _, pid := range pr.PIDs {
			p = appendInt(p, tagProbePID, int64(pid))
		}
	}
	if e := r.Event; e != nil {
		p = appendString(p, tagType, e.Type)
		p = appendInt(p, tagPID, int64(e.PID))
		p = appendIntPtr(p, tagPPID, e.PPID)
		p = appendString(p, tagName, e.Name)
		p = appendString(p, tagVia, e.Via)
		for _, a := range e.Argv {
			p = append(p, tagArg)
			p = binary.AppendUvarint(p, uint64(len(a)))
			p = append(p, a...)
		}
		p = appendString(p, tagStream, e.Stream)
		p = appendString(p, tagText, e.Text)
		p = appendIntPtr(p, tagCode, e.Code)
		p = appendString(p, tagSignal, e.Signal)
	}
	return p
}

// ErrMalformed is the error of a record that does not decode.
var ErrMalformed = errors.New("malformed record")

// Read reads one framed record into buf (grown as needed) and decodes it.
func Read(br *bufio.Reader, buf []byte) (Record, []byte, error) {
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return Record{}, buf, err
	}
	if n > maxRecord {
		return Record{}, buf, ErrMalformed
	}
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(br, buf); err != nil {
		return Record{}, buf, err
	}
	r, err := decode(buf)
	return r, buf, err
}

func decode(p []byte) (Record, error) {
	var r Record
	var e event.Event
	var batch IPCBatch
	var probe Probe
	hasEvent, hasBatch, hasProbe := false, false, false
	for len(p) > 0 {
		tag := p[0]
		p = p[1:]
		switch tag {
		case tagNS, tagPID, tagPPID, tagCode, tagIPCPID, tagProbeCPU, tagProbePID:
			v, k := binary.Varint(p)
			if k <= 0 {
				return r, ErrMalformed
			}
			p = p[k:]
			iv := int(v)
			switch tag {
			case tagNS:
				r.NS = v
			case tagPID:
				e.PID, hasEvent = iv, true
			case tagPPID:
				e.PPID = &iv
			case tagCode:
				e.Code = &iv
			case tagIPCPID:
				batch.PID, hasBatch = iv, true
			case tagProbeCPU:
				probe.CPUTicks, hasProbe = v, true
			case tagProbePID:
				if len(probe.PIDs) >= MaxProbePIDs {
					return r, ErrMalformed
				}
				probe.PIDs = append(probe.PIDs, iv)
			}
		default:
			l, k := binary.Uvarint(p)
			if k <= 0 || uint64(len(p)-k) < l {
				return r, ErrMalformed
			}
			s := string(p[k : k+int(l)])
			p = p[k+int(l):]
			if tag == tagIPCLines {
				batch.Lines, hasBatch = s, true
				continue
			}
			if !setString(&r, &e, tag, s) {
				return r, fmt.Errorf("%w: unknown tag %d", ErrMalformed, tag)
			}
			if tag >= tagType {
				hasEvent = true
			}
		}
	}
	if hasEvent {
		r.Event = &e
	}
	if hasBatch {
		r.IPC = &batch
	}
	if hasProbe {
		r.Probe = &probe
	}
	return r, nil
}

func setString(r *Record, e *event.Event, tag byte, s string) bool {
	switch tag {
	case tagLimit:
		r.Limit = s
	case tagError:
		r.Error = s
	case tagWhere:
		r.Where = s
	case tagType:
		e.Type = s
	case tagName:
		e.Name = s
	case tagVia:
		e.Via = s
	case tagArg:
		e.Argv = append(e.Argv, s)
	case tagStream:
		e.Stream = s
	case tagText:
		e.Text = s
	case tagSignal:
		e.Signal = s
	default:
		return false
	}
	return true
}
