package content

import "io/fs"

// statEntry is a folder entry whose Info was read with the listing.
type statEntry struct {
	fs.DirEntry
	info fileInfo
	err  error
}

func (e *statEntry) Info() (fs.FileInfo, error) {
	if e.err != nil {
		return nil, e.err
	}
	return e.info, nil
}
