package simdisk

// inode is one file: its bytes in the page cache and on the disk.
type inode struct {
	data  []byte // what reads see
	disk  []byte // what the disk holds
	dirty []bool // per sector of data: written since the last sync
}

// write copies p into the cache at off, growing the file as needed, and
// marks the sectors it touched dirty.
func (ino *inode) write(p []byte, off int64) {
	if end := int(off) + len(p); end > len(ino.data) {
		ino.resize(end)
	}
	copy(ino.data[off:], p)
	for s := int(off) / SectorSize; s*SectorSize < int(off)+len(p); s++ {
		ino.dirty[s] = true
	}
}

// resize sets the cache's size; sectors past the old end are dirty (they
// hold zeros the disk may not have).
func (ino *inode) resize(n int) {
	old := len(ino.data)
	if n <= cap(ino.data) {
		ino.data = ino.data[:n]
		clear(ino.data[min(old, n):])
	} else {
		ino.data = append(ino.data, make([]byte, n-old)...)
	}
	sectors := (n + SectorSize - 1) / SectorSize
	for len(ino.dirty) < sectors {
		ino.dirty = append(ino.dirty, false)
	}
	for s := old / SectorSize; s < sectors; s++ {
		ino.dirty[s] = true
	}
}

// sync makes the cache durable: every dirty sector and the size.
func (ino *inode) sync() {
	ino.setDiskSize(len(ino.data))
	for s, d := range ino.dirty {
		if d {
			ino.copySector(s)
		}
	}
	clear(ino.dirty)
}

// failSync is a failed fdatasync: the units keep selects reached the disk,
// and every dirty sector is marked clean all the same.
func (ino *inode) failSync(path string, keep func(Unit) bool) {
	if keep == nil {
		keep = func(Unit) bool { return false }
	}
	var r Report
	ino.settle(path, keep, true, &r)
}

// settle decides the unsynced units of the file for a cut or a failed
// sync: the size first, then each dirty page (or sector) kept is copied to
// the disk. Afterwards nothing is dirty; the cache is left as it was.
func (ino *inode) settle(path string, keep func(Unit) bool, sectors bool, r *Report) {
	if len(ino.disk) != len(ino.data) && keep(Unit{Kind: SizeUnit, Path: path}) {
		ino.setDiskSize(len(ino.data))
	}
	step := PageSize / SectorSize
	if sectors {
		step = 1
	}
	for s := 0; s < len(ino.dirty); s += step {
		group := ino.dirty[s:min(s+step, len(ino.dirty))]
		if !anyTrue(group) {
			continue
		}
		if !keep(Unit{Kind: DataUnit, Path: path, Off: int64(s * SectorSize), Len: len(group) * SectorSize}) {
			r.Lost++
			continue
		}
		r.Kept++
		for i, d := range group {
			if d {
				ino.copySector(s + i)
			}
		}
	}
	clear(ino.dirty)
}

// reboot empties the cache: it shows what the disk holds.
func (ino *inode) reboot() {
	ino.data = append(ino.data[:0], ino.disk...)
	ino.dirty = make([]bool, (len(ino.data)+SectorSize-1)/SectorSize)
}

// dropCache is posix_fadvise(DONTNEED): clean sectors are read from the
// disk again; dirty ones stay.
func (ino *inode) dropCache() {
	for s := 0; s*SectorSize < len(ino.data); s++ {
		if ino.dirty[s] {
			continue
		}
		lo, hi := s*SectorSize, min((s+1)*SectorSize, len(ino.data))
		clear(ino.data[lo:hi])
		if lo < len(ino.disk) {
			copy(ino.data[lo:hi], ino.disk[lo:min(hi, len(ino.disk))])
		}
	}
}

// copySector copies sector s from the cache to the disk, within the
// disk's size.
func (ino *inode) copySector(s int) {
	lo, hi := s*SectorSize, min((s+1)*SectorSize, len(ino.data), len(ino.disk))
	if lo < hi {
		copy(ino.disk[lo:hi], ino.data[lo:hi])
	}
}

func (ino *inode) setDiskSize(n int) {
	if n <= len(ino.disk) {
		ino.disk = ino.disk[:n]
		return
	}
	ino.disk = append(ino.disk, make([]byte, n-len(ino.disk))...)
}

func anyTrue(b []bool) bool {
	for _, v := range b {
		if v {
			return true
		}
	}
	return false
}
