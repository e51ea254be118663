package persistence

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Backup archive format, version 1
//
// A backup is a tar stream, gzip-compressed or not (readers tell by the
// gzip magic), of regular files in this order:
//
//	snapshots/<16 hex>.snap  the newest valid snapshot, byte for byte (absent when there is none)
//	journal/<16 hex>.wal     segments, in sequence order, from the one holding the record after
//	                         the snapshot's sequence to the newest; each is cut just after its last
//	                         complete record (no preallocated space, no torn tail)
//	manifest.json            an ArchiveManifest
//	manifest.json.sha256     "<SHA-256 of manifest.json, hex>  manifest.json\n", sha256sum's format
//
// The member names are the layout of a data directory, so unpacking an
// archive gives a directory the engine opens. Restored, an archive holds
// exactly the state at the manifest's JournalSeq: the snapshot, then the
// records after it, which run without a gap up to JournalSeq and no
// further.

// Archive member names and manifest values of format version 1.
const (
	ArchiveFormat       = "allot-backup"
	ArchiveVersion      = 1
	ArchiveManifestName = "manifest.json"
	archiveManifestSum  = ArchiveManifestName + ".sha256"
	archiveSnapshotDir  = "snapshots/"
	archiveJournalDir   = "journal/"
)

// ArchiveManifest describes a backup archive: what it restores to and the
// SHA-256 of every member.
type ArchiveManifest struct {
	Format       string          `json:"format"`  // ArchiveFormat
	Version      int             `json:"version"` // ArchiveVersion
	Created      time.Time       `json:"created"`
	AllotVersion string          `json:"allot_version"`
	SnapshotSeq  uint64          `json:"snapshot_seq"` // 0 without a snapshot: the journal starts at 1
	JournalSeq   uint64          `json:"journal_seq"`  // the last record: the archive restores the state at it
	Members      []ArchiveMember `json:"members"`      // in archive order, manifest excluded
}

// ArchiveMember is one snapshot or journal segment inside an archive.
type ArchiveMember struct {
	Name     string `json:"name"` // e.g. "journal/0000000000000001.wal"
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`    // hex
	FirstSeq uint64 `json:"first_seq"` // a segment's first record; a snapshot's sequence
	LastSeq  uint64 `json:"last_seq"`  // a segment's last record (FirstSeq-1 if none); a snapshot's sequence
}

// IsSnapshot reports a snapshot member (else it is a journal segment).
func (m ArchiveMember) IsSnapshot() bool { return strings.HasPrefix(m.Name, archiveSnapshotDir) }

// archiveWriter writes members into a tar stream, optionally gzipped,
// recording each one's digest for the manifest.
type archiveWriter struct {
	zw      *gzip.Writer
	tw      *tar.Writer
	created time.Time
	members []ArchiveMember
}

func newArchiveWriter(w io.Writer, compress bool, created time.Time) *archiveWriter {
	a := &archiveWriter{created: created}
	if compress {
		// Journals and msgpack shrink several times already at the
		// fastest level, and a backup runs beside the live service.
		a.zw, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
		w = a.zw
	}
	a.tw = tar.NewWriter(w)
	return a
}

func (a *archiveWriter) add(name string, data []byte) (string, error) {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: filePerm, Size: int64(len(data)), ModTime: a.created}
	if err := a.tw.WriteHeader(h); err != nil {
		return "", fmt.Errorf("persistence: backup: %s: %w", name, err)
	}
	if _, err := a.tw.Write(data); err != nil {
		return "", fmt.Errorf("persistence: backup: %s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

func (a *archiveWriter) addMember(m ArchiveMember, data []byte) error {
	sum, err := a.add(m.Name, data)
	if err != nil {
		return err
	}
	m.Size, m.SHA256 = int64(len(data)), sum
	a.members = append(a.members, m)
	return nil
}

// finish writes the manifest and its checksum and closes the streams.
func (a *archiveWriter) finish(m *ArchiveManifest) error {
	m.Members = a.members
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("persistence: backup: manifest: %w", err)
	}
	sum, err := a.add(ArchiveManifestName, append(b, '\n'))
	if err != nil {
		return err
	}
	if _, err := a.add(archiveManifestSum, []byte(sum+"  "+ArchiveManifestName+"\n")); err != nil {
		return err
	}
	if err := a.tw.Close(); err != nil {
		return fmt.Errorf("persistence: backup: %w", err)
	}
	if a.zw != nil {
		if err := a.zw.Close(); err != nil {
			return fmt.Errorf("persistence: backup: %w", err)
		}
	}
	return nil
}

// archiveReader checks an archive member by member (see ReadBackup).
type archiveReader struct {
	name     string // the archive, for errors
	stream   string // what tar offsets count: the file, or its decompressed stream
	count    *countingReader
	members  []ArchiveMember
	snapSeq  uint64
	hasSnap  bool
	segments int
	lastSeq  uint64
	manifest []byte
	sumLine  []byte
	fn       func(ArchiveMember, []byte) error
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ReadBackup reads and checks a backup archive from r; name names it in
// errors. It checks the tar structure (and the gzip CRC), the member
// names and order, each snapshot's header and CRC, each segment's header,
// record CRCs and sequences, that the records run without a gap from the
// snapshot to the end, and at the end the manifest: its own checksum, the
// SHA-256 and size of every member, and the sequences it states. Every
// failure names the archive, the member and where possible the offset,
// mostly as a *CorruptError; nothing panics, whatever the bytes.
//
// fn, if not nil, is called with each snapshot and segment member once its
// content checks passed, and its error stops the reading. The manifest
// comes last, so fn sees a member before its digest is compared: what fn
// did is provisional until ReadBackup returns nil.
func ReadBackup(r io.Reader, name string, fn func(m ArchiveMember, data []byte) error) (ArchiveManifest, error) {
	a := &archiveReader{name: name, stream: name, fn: fn}
	br := bufio.NewReader(r)
	var zr *gzip.Reader
	src := io.Reader(br)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		var err error
		if zr, err = gzip.NewReader(br); err != nil {
			return ArchiveManifest{}, corruptf(name, 0, "gzip: %v", err)
		}
		src, a.stream = zr, name+" (decompressed)"
	}
	a.count = &countingReader{r: src}
	if err := a.readAll(tar.NewReader(a.count)); err != nil {
		return ArchiveManifest{}, err
	}
	if zr != nil { // the gzip CRC is checked at its end, past the tar's
		if _, err := io.Copy(io.Discard, zr); err != nil {
			return ArchiveManifest{}, corruptf(a.stream, a.count.n, "gzip: %v", err)
		}
	}
	return a.finish()
}

func (a *archiveReader) readAll(tr *tar.Reader) error {
	for {
		at := a.count.n
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return corruptf(a.stream, at, "tar: %v%s", err, a.after())
		}
		if h.Typeflag != tar.TypeReg {
			return corruptf(a.stream, at, "member %q is not a regular file (tar type %q)", h.Name, h.Typeflag)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return corruptf(a.stream, a.count.n, "reading member %s: %v", h.Name, err)
		}
		if err := a.member(h.Name, data); err != nil {
			return err
		}
	}
}

// after says which member came last, for errors in the tar structure.
func (a *archiveReader) after() string {
	switch {
	case a.sumLine != nil:
		return " (after " + archiveManifestSum + ")"
	case a.manifest != nil:
		return " (after " + ArchiveManifestName + ")"
	case len(a.members) > 0:
		return " (after " + a.members[len(a.members)-1].Name + ")"
	}
	return " (before the first member)"
}

func (a *archiveReader) member(name string, data []byte) error {
	where := a.name + ":" + name
	switch {
	case a.sumLine != nil:
		return corruptf(a.name, 0, "member %q after the manifest's checksum, which ends the archive", name)
	case a.manifest != nil && name != archiveManifestSum:
		return corruptf(a.name, 0, "member %q after %s; want %s", name, ArchiveManifestName, archiveManifestSum)
	case name == ArchiveManifestName:
		a.manifest = data
		return nil
	case name == archiveManifestSum:
		if a.manifest == nil {
			return corruptf(a.name, 0, "%s before %s", archiveManifestSum, ArchiveManifestName)
		}
		a.sumLine = data
		return nil
	case strings.HasPrefix(name, archiveSnapshotDir):
		return a.snapshot(where, name, data)
	case strings.HasPrefix(name, archiveJournalDir):
		return a.segment(where, name, data)
	}
	return corruptf(a.name, 0, "unexpected member %q", name)
}

func (a *archiveReader) snapshot(where, name string, data []byte) error {
	if a.hasSnap || a.segments > 0 {
		return corruptf(a.name, 0, "snapshot member %q out of place: one snapshot, before the journal", name)
	}
	if seq, ok := parseSeqName(name[len(archiveSnapshotDir):], snapshotExt); !ok || name != archiveSnapshotDir+snapshotName(seq) {
		return corruptf(a.name, 0, "unexpected member %q", name)
	}
	seq, _, err := CheckSnapshot(where, data)
	if err != nil {
		return err
	}
	a.hasSnap, a.snapSeq = true, seq
	return a.keep(ArchiveMember{Name: name, FirstSeq: seq, LastSeq: seq}, data)
}

func (a *archiveReader) segment(where, name string, data []byte) error {
	if first, ok := parseSeqName(name[len(archiveJournalDir):], segmentExt); !ok || name != archiveJournalDir+segmentName(first) {
		return corruptf(a.name, 0, "unexpected member %q", name)
	}
	s, err := ScanSegment(where, data)
	if err != nil {
		return err
	}
	if !s.Clean() {
		return corruptf(where, s.Bytes, "%s after record %d", s.TailReason, s.LastSeq)
	}
	switch {
	case a.segments == 0 && s.FirstSeq > a.snapSeq+1:
		return corruptf(where, 16, "the journal starts at seq %d but the snapshot ends at %d: records %d..%d missing",
			s.FirstSeq, a.snapSeq, a.snapSeq+1, s.FirstSeq-1)
	case a.segments > 0 && s.FirstSeq != a.lastSeq+1:
		return corruptf(where, 16, "first seq %d, want %d: records missing between segments", s.FirstSeq, a.lastSeq+1)
	}
	a.segments++
	a.lastSeq = s.LastSeq
	return a.keep(ArchiveMember{Name: name, FirstSeq: s.FirstSeq, LastSeq: s.LastSeq}, data)
}

func (a *archiveReader) keep(m ArchiveMember, data []byte) error {
	sum := sha256.Sum256(data)
	m.Size, m.SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
	a.members = append(a.members, m)
	if a.fn != nil {
		return a.fn(m, data)
	}
	return nil
}

// finish checks the manifest against what the members held.
func (a *archiveReader) finish() (ArchiveManifest, error) {
	var m ArchiveManifest
	if a.manifest == nil || a.sumLine == nil {
		return m, corruptf(a.name, a.count.n, "the archive ends without %s and %s (cut short?)", ArchiveManifestName, archiveManifestSum)
	}
	sum := sha256.Sum256(a.manifest)
	if want := hex.EncodeToString(sum[:]) + "  " + ArchiveManifestName + "\n"; string(a.sumLine) != want {
		return m, corruptf(a.name+":"+ArchiveManifestName, 0, "sha256 %x does not match %s", sum, archiveManifestSum)
	}
	if err := json.Unmarshal(a.manifest, &m); err != nil {
		return m, corruptf(a.name+":"+ArchiveManifestName, 0, "%v", err)
	}
	if m.Format != ArchiveFormat || m.Version != ArchiveVersion {
		return m, corruptf(a.name+":"+ArchiveManifestName, 0, "format %q version %d; this build reads %q version %d",
			m.Format, m.Version, ArchiveFormat, ArchiveVersion)
	}
	if err := a.checkMembers(m); err != nil {
		return m, err
	}
	return m, a.checkSeqs(m)
}

func (a *archiveReader) checkMembers(m ArchiveManifest) error {
	where := a.name + ":" + ArchiveManifestName
	if len(m.Members) != len(a.members) {
		return corruptf(where, 0, "lists %d members, the archive holds %d", len(m.Members), len(a.members))
	}
	for i, got := range a.members {
		want := m.Members[i]
		switch {
		case want.Name != got.Name:
			return corruptf(where, 0, "member %d is %q, the archive holds %q", i+1, want.Name, got.Name)
		case want.Size != got.Size:
			return corruptf(a.name+":"+got.Name, got.Size, "%d bytes, the manifest says %d", got.Size, want.Size)
		case want.SHA256 != got.SHA256:
			return corruptf(a.name+":"+got.Name, 0, "sha256 %s, the manifest says %s", got.SHA256, want.SHA256)
		case want.FirstSeq != got.FirstSeq || want.LastSeq != got.LastSeq:
			return corruptf(where, 0, "member %s holds seq %d..%d, the manifest says %d..%d",
				got.Name, got.FirstSeq, got.LastSeq, want.FirstSeq, want.LastSeq)
		}
	}
	return nil
}

func (a *archiveReader) checkSeqs(m ArchiveManifest) error {
	where := a.name + ":" + ArchiveManifestName
	switch {
	case a.segments == 0:
		return corruptf(a.name, 0, "no journal segment in the archive")
	case m.SnapshotSeq != a.snapSeq:
		return corruptf(where, 0, "snapshot_seq %d, the archive's snapshot is at %d", m.SnapshotSeq, a.snapSeq)
	case m.JournalSeq != a.lastSeq:
		return corruptf(where, 0, "journal_seq %d, the archive's journal ends at %d", m.JournalSeq, a.lastSeq)
	case m.JournalSeq < m.SnapshotSeq:
		return corruptf(where, 0, "journal_seq %d is before snapshot_seq %d: journal records are missing",
			m.JournalSeq, m.SnapshotSeq)
	}
	return nil
}
