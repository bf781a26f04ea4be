package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"sync"
)

// buildIdentity names the running build of clairon for its caches: the
// version and the Go build ID, which changes with any change to the sources
// or the toolchain and stays the same when the same sources are built again
// (as the GitHub Action does on every run). Without an ID, the executable's
// size and time.
var buildIdentity = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return version
	}
	if id := goBuildID(exe); id != "" {
		return version + " go-build-id " + id
	}
	st, err := os.Stat(exe)
	if err != nil {
		return version
	}
	return fmt.Sprint(version, " ", st.Size(), " ", st.ModTime().UnixNano())
})

// goBuildID reads the Go build ID of the executable at path: from its ELF
// note, or else from the marker the linker writes near the start of the
// text of other formats.
func goBuildID(path string) string {
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		s := f.Section(".note.go.buildid")
		if s == nil {
			return ""
		}
		b, err := s.Data()
		if err != nil || len(b) < 16 {
			return ""
		}
		// An ELF note: name size, description size, type, then the name
		// ("Go\0", padded to 4 bytes) and the description (the ID).
		order := f.ByteOrder
		namesz, descsz := order.Uint32(b), order.Uint32(b[4:])
		name := 12 + (int(namesz)+3)&^3
		if namesz != 4 || string(b[12:15]) != "Go\x00" || len(b) < name+int(descsz) {
			return ""
		}
		return string(b[name : name+int(descsz)])
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 32<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	const start, end = "\xff Go build ID: \"", "\"\n \xff"
	i := bytes.Index(head, []byte(start))
	if i < 0 {
		return ""
	}
	rest := head[i+len(start):]
	j := bytes.Index(rest, []byte(end))
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
