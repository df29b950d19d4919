package runner

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Records travel from the init to the runner in a compact binary form: a
// uvarint length, then (tag, value) pairs. Strings are a uvarint length and
// the bytes, integers zig-zag varints, floats 8 bytes. A run may produce
// tens of thousands of records a second; this costs a fraction of JSON.

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
	tagKind
	tagMessage
	tagQueue
	tagPipe
	tagEnd
	tagPool
	tagTask
	tagFunction
	tagLock
	tagShm
	tagObject
	tagMsg
	tagIndex
	tagSummary
	tagSize
	tagWaited
	tagErrorText
	tagIPCPID
	tagIPCLines
)

// maxRecord bounds one record (an output event holds at most 64 KiB).
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

// appendRecord encodes r, framed.
func appendRecord(b []byte, r record) []byte {
	return frameRecord(b, appendRecordBody(nil, r))
}

// frameRecord appends the framing of a record body and the body.
func frameRecord(b, body []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

// appendRecordBody appends the fields of r.
func appendRecordBody(p []byte, r record) []byte {
	p = appendInt(p, tagNS, r.NS)
	p = appendString(p, tagLimit, r.Limit)
	p = appendString(p, tagError, r.Error)
	p = appendString(p, tagWhere, r.Where)
	if b := r.IPC; b != nil {
		p = appendInt(p, tagIPCPID, int64(b.PID))
		p = appendString(p, tagIPCLines, b.Lines)
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
		p = appendString(p, tagKind, e.Kind)
		p = appendString(p, tagMessage, e.Message)
		p = appendString(p, tagQueue, e.Queue)
		p = appendString(p, tagPipe, e.Pipe)
		p = appendIntPtr(p, tagEnd, e.End)
		p = appendString(p, tagPool, e.Pool)
		p = appendString(p, tagTask, e.Task)
		p = appendString(p, tagFunction, e.Function)
		p = appendString(p, tagLock, e.Lock)
		p = appendString(p, tagShm, e.Shm)
		p = appendString(p, tagObject, e.Object)
		p = appendString(p, tagMsg, e.Msg)
		p = appendIntPtr(p, tagIndex, e.Index)
		p = appendString(p, tagSummary, e.Summary)
		p = appendIntPtr(p, tagSize, e.Size)
		if e.WaitedMS != nil {
			p = append(p, tagWaited)
			p = binary.LittleEndian.AppendUint64(p, math.Float64bits(*e.WaitedMS))
		}
		p = appendString(p, tagErrorText, e.Error)
	}
	return p
}

var errBadRecord = errors.New("malformed record")

// readRecord reads one framed record.
func readRecord(br *bufio.Reader, buf []byte) (record, []byte, error) {
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return record{}, buf, err
	}
	if n > maxRecord {
		return record{}, buf, errBadRecord
	}
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(br, buf); err != nil {
		return record{}, buf, err
	}
	r, err := decodeRecord(buf)
	return r, buf, err
}

func decodeRecord(p []byte) (record, error) {
	var r record
	var e Event
	var batch ipcBatch
	hasEvent, hasBatch := false, false
	for len(p) > 0 {
		tag := p[0]
		p = p[1:]
		switch tag {
		case tagNS, tagPID, tagPPID, tagCode, tagEnd, tagIndex, tagSize, tagIPCPID:
			v, k := binary.Varint(p)
			if k <= 0 {
				return r, errBadRecord
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
			case tagEnd:
				e.End = &iv
			case tagIndex:
				e.Index = &iv
			case tagSize:
				e.Size = &iv
			case tagIPCPID:
				batch.PID, hasBatch = iv, true
			}
		case tagWaited:
			if len(p) < 8 {
				return r, errBadRecord
			}
			w := math.Float64frombits(binary.LittleEndian.Uint64(p))
			e.WaitedMS = &w
			p = p[8:]
		default:
			l, k := binary.Uvarint(p)
			if k <= 0 || uint64(len(p)-k) < l {
				return r, errBadRecord
			}
			s := string(p[k : k+int(l)])
			p = p[k+int(l):]
			if tag == tagIPCLines {
				batch.Lines, hasBatch = s, true
				continue
			}
			if !setString(&r, &e, tag, s) {
				return r, fmt.Errorf("%w: unknown tag %d", errBadRecord, tag)
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
	return r, nil
}

func setString(r *record, e *Event, tag byte, s string) bool {
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
	case tagKind:
		e.Kind = s
	case tagMessage:
		e.Message = s
	case tagQueue:
		e.Queue = s
	case tagPipe:
		e.Pipe = s
	case tagPool:
		e.Pool = s
	case tagTask:
		e.Task = s
	case tagFunction:
		e.Function = s
	case tagLock:
		e.Lock = s
	case tagShm:
		e.Shm = s
	case tagObject:
		e.Object = s
	case tagMsg:
		e.Msg = s
	case tagSummary:
		e.Summary = s
	case tagErrorText:
		e.Error = s
	default:
		return false
	}
	return true
}
