package store

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Chunk codecs, recorded per chunk so that a new one can be added without
// rewriting old runs.
const (
	codecRaw     = 0 // the framed events as they are
	codecDeflate = 1 // the framed events, deflated
)

// compressLevel trades a little CPU at append for a smaller file; event JSON
// repeats its keys, so even fast levels shrink it several times.
const compressLevel = flate.DefaultCompression

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, compressLevel) // only fails for a bad level
	return w
}}

// encodeChunk frames each event by its length (uvarint) followed by its
// bytes, so any bytes at all come back unchanged, and deflates the frames
// when that makes them smaller.
func encodeChunk(events []json.RawMessage) (codec int, data []byte) {
	size := 0
	for _, e := range events {
		size += binary.MaxVarintLen32 + len(e)
	}
	framed := make([]byte, 0, size)
	for _, e := range events {
		framed = binary.AppendUvarint(framed, uint64(len(e)))
		framed = append(framed, e...)
	}

	var buf bytes.Buffer
	buf.Grow(len(framed) / 3)
	w := flateWriters.Get().(*flate.Writer)
	w.Reset(&buf)
	_, werr := w.Write(framed) // writes to a bytes.Buffer cannot fail
	cerr := w.Close()
	flateWriters.Put(w)
	if werr != nil || cerr != nil || buf.Len() >= len(framed) {
		return codecRaw, framed
	}
	return codecDeflate, buf.Bytes()
}

// decodeChunk appends the count events of one chunk to dst. The events
// share one buffer per chunk instead of one allocation each.
func decodeChunk(dst []json.RawMessage, codec, count int, data []byte) ([]json.RawMessage, error) {
	var framed []byte
	switch codec {
	case codecRaw:
		framed = data
	case codecDeflate:
		r := flate.NewReader(bytes.NewReader(data))
		var buf bytes.Buffer
		buf.Grow(len(data) * 4)
		if _, err := io.Copy(&buf, r); err != nil {
			return dst, fmt.Errorf("inflate events: %w", err)
		}
		framed = buf.Bytes()
	default:
		return dst, fmt.Errorf("unknown event chunk codec %d", codec)
	}
	for i := 0; i < count; i++ {
		n, k := binary.Uvarint(framed)
		if k <= 0 || n > uint64(len(framed)-k) {
			return dst, errors.New("event chunk is truncated")
		}
		framed = framed[k:]
		dst = append(dst, json.RawMessage(framed[:n:n]))
		framed = framed[n:]
	}
	if len(framed) != 0 {
		return dst, errors.New("event chunk has trailing bytes")
	}
	return dst, nil
}
