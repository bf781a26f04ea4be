package state

import (
	"bytes"
	"maps"
	"slices"
)

// State is the whole publication state at one version.
type State struct {
	// Lineage is a random id fixed when the state is born (its first write).
	// Two states with different lineages are unrelated, whatever their serials.
	Lineage string
	// Serial counts the writes since birth: 0 for the empty state, then one
	// more on each write.
	Serial int64
	// Records holds one record per address.
	Records map[Address]*Record
	// Files are other files kept beside the records (reports/…, contests/…),
	// by slash-separated path. See CheckFilePath for the rules.
	Files map[string][]byte
}

// New returns an empty state.
func New() *State {
	return &State{Records: map[Address]*Record{}, Files: map[string][]byte{}}
}

// Record returns the record at a, or nil.
func (s *State) Record(a Address) *Record { return s.Records[a] }

// Addresses returns the addresses of all records, sorted.
func (s *State) Addresses() []Address {
	out := slices.Collect(maps.Keys(s.Records))
	slices.SortFunc(out, Address.Compare)
	return out
}

// FilePaths returns the paths of all files, sorted.
func (s *State) FilePaths() []string {
	return slices.Sorted(maps.Keys(s.Files))
}

// Clone returns a deep copy of s.
func (s *State) Clone() *State {
	c := &State{
		Lineage: s.Lineage,
		Serial:  s.Serial,
		Records: make(map[Address]*Record, len(s.Records)),
		Files:   make(map[string][]byte, len(s.Files)),
	}
	for a, r := range s.Records {
		c.Records[a] = r.Clone()
	}
	for p, b := range s.Files {
		c.Files[p] = bytes.Clone(b)
	}
	return c
}

// Apply changes the records and files of s as cs says. It does not touch
// Lineage or Serial: see Snapshot.Advance.
func (s *State) Apply(cs *Changeset) {
	if s.Records == nil {
		s.Records = map[Address]*Record{}
	}
	if s.Files == nil {
		s.Files = map[string][]byte{}
	}
	for a, r := range cs.records {
		if r == nil {
			delete(s.Records, a)
		} else {
			s.Records[a] = r.Clone()
		}
	}
	for p, f := range cs.files {
		if f.remove {
			delete(s.Files, p)
		} else {
			s.Files[p] = bytes.Clone(f.data)
		}
	}
}

// Version identifies one version of the state in a store: the commit hash
// for a git store. The empty Version is the state before its first write.
type Version string

// Head is what a successful write returns: the new version and the state's
// lineage and serial there.
type Head struct {
	Version Version
	Lineage string
	Serial  int64
}

// Snapshot is a state read from a store, with the version it was read at.
// A caller keeps it as its working copy: after a successful write it calls
// Advance instead of reading everything again.
type Snapshot struct {
	Version Version
	State   *State
}

// Head returns the snapshot's version, lineage and serial.
func (s *Snapshot) Head() Head {
	return Head{Version: s.Version, Lineage: s.State.Lineage, Serial: s.State.Serial}
}

// Advance moves the snapshot past a write of cs that returned h, as if the
// state had been read again at h.Version.
func (s *Snapshot) Advance(cs *Changeset, h Head) {
	s.State.Apply(cs)
	s.State.Lineage = h.Lineage
	s.State.Serial = h.Serial
	s.Version = h.Version
}
