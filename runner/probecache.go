package runner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"

	"mpplayground/runner/record"
)

// What the probe learns of an interpreter (its real path, version, prefixes
// and the startup hook compiled by it) is kept in the user's cache
// directory: `playground run` would otherwise start Python once more, and
// compile the hook, before every program. An entry is found by a key of
// everything the answer depends on: the interpreter's file (path, size,
// modification time, inode), the probe script and the hook's sources. A
// script on PATH (a pyenv shim) picks its interpreter anew each time, so
// only a binary is cached.

// probeCacheDir is where the entries are kept, or "" when there is no
// cache directory.
func probeCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "mpplayground", "interpreters")
}

// probeKey is the cache key of the interpreter found at path; false when
// its answer must not be cached.
func probeKey(path string) (string, bool) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", false
	}
	f, err := os.Open(real)
	if err != nil {
		return "", false
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := f.Read(magic); err != nil || !bytes.Equal(magic, []byte("\x7fELF")) {
		return "", false
	}
	fi, err := f.Stat()
	if err != nil {
		return "", false
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00", real, fi.Size(), fi.ModTime().UnixNano())
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		fmt.Fprintf(h, "%d\x00%d\x00", st.Dev, st.Ino)
	}
	h.Write([]byte(probeScript))
	sources := hookSources()
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "\x00%s\x00%d\x00", n, len(sources[n]))
		h.Write(sources[n])
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// An entry is a line of JSON (cacheEntry) followed by the hook's files as
// raw bytes (record.HookBlob): the line is small, and the bytes need no
// decoding, so reading an entry costs a cold `playground run` next to
// nothing (as base64 in JSON, the hook took milliseconds to decode).
type cacheEntry struct {
	Executable string            `json:"executable"`
	Version    string            `json:"version"`
	Prefixes   []string          `json:"prefixes"`
	Hook       []record.HookSize `json:"hook"`
}

// cacheSuffix names an entry's file after its key.
const cacheSuffix = ".entry"

// readProbeCache fills p from the entry of key; false when there is none
// that reads whole.
func readProbeCache(key string, p *probed) bool {
	dir := probeCacheDir()
	if dir == "" {
		return false
	}
	b, err := os.ReadFile(filepath.Join(dir, key+cacheSuffix))
	if err != nil {
		return false
	}
	line, blob, ok := bytes.Cut(b, []byte("\n"))
	var e cacheEntry
	if !ok || json.Unmarshal(line, &e) != nil || e.Executable == "" || len(e.Hook) == 0 {
		return false
	}
	r := bytes.NewReader(blob)
	hook, err := record.ReadHook(r, e.Hook)
	if err != nil || r.Len() != 0 {
		return false
	}
	*p = probed{Executable: e.Executable, Version: e.Version, Prefixes: e.Prefixes, Hook: hook}
	return true
}

// writeProbeCache keeps p under key, best effort: a cache that cannot be
// written costs only the next probe.
func writeProbeCache(key string, p probed) {
	dir := probeCacheDir()
	if dir == "" || os.MkdirAll(dir, 0o700) != nil {
		return
	}
	sizes, blob := record.HookBlob(p.Hook)
	line, err := json.Marshal(cacheEntry{Executable: p.Executable, Version: p.Version, Prefixes: p.Prefixes, Hook: sizes})
	if err != nil {
		return
	}
	f, err := os.CreateTemp(dir, key+".*.tmp")
	if err != nil {
		return
	}
	_, err = f.Write(append(append(line, '\n'), blob...))
	if cerr := f.Close(); err == nil && cerr == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, key+cacheSuffix))
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
}
