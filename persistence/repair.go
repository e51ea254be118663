package persistence

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// RepairOptions tell RepairJournal what recovery can do without.
type RepairOptions struct {
	// SnapshotSeq is the sequence of the snapshot recovery will start
	// from: the newest one that passes every check (0 when there is
	// none). Every record up to it is in the snapshot, so damage among
	// those costs nothing, and the repaired journal may start anywhere up
	// to SnapshotSeq+1.
	SnapshotSeq uint64
	// DryRun works out and reports what would be set aside, changing
	// nothing (not even the LOCK file), so it takes no lock either.
	DryRun bool
}

// RepairReport says what RepairJournal set aside, or would in a dry run:
// what the operator reads before starting the service again.
type RepairReport struct {
	// FirstSeq..LastSeq are the records the journal holds after the
	// repair; LastSeq = FirstSeq-1 when it holds none.
	FirstSeq, LastSeq uint64
	SetAside          []SetAside
	// Rewritten lists the segments written afresh with the kept records
	// of a damaged one (whose bytes, all of them, are in a SetAside To).
	Rewritten []SegmentInfo
	// LostFirst..LostLast are sequences after the snapshot that the
	// journal no longer holds (none when LostLast < LostFirst): from the
	// first one that could not be proven to the highest the disk shows
	// existed. IntactLost counts the valid records among them, set aside
	// because a record before them is missing.
	LostFirst, LostLast uint64
	IntactLost          int
}

// SetAside is one stretch of a segment's bytes moved out of the journal.
type SetAside struct {
	File          string // the segment the bytes were in
	To            string // the .broken file now holding the whole of File's bytes
	Offset, Bytes int64  // where in File, and how many (data only)
	// FirstSeq..LastSeq are the valid records among those bytes; Records
	// counts them (0, and no range, when there is none).
	FirstSeq, LastSeq uint64
	Records           int
	// Covered means the bytes lie before the kept records: everything
	// they held is in the snapshot, and nothing is lost.
	Covered bool
	// Acknowledged means the bytes lie after the kept records and either
	// the disk shows that later records existed or they are damage rather
	// than a write a crash cut short: acknowledged records may be lost. A
	// torn write at the very end is not.
	Acknowledged bool
	Reason       string
}

// AcknowledgedLoss reports whether records that may have been
// acknowledged were set aside: the start after it must say so loudly.
func (r RepairReport) AcknowledgedLoss() bool {
	return slices.ContainsFunc(r.SetAside, func(s SetAside) bool { return s.Acknowledged })
}

// Bytes is how much data the repair set aside.
func (r RepairReport) Bytes() int64 {
	var n int64
	for _, s := range r.SetAside {
		n += s.Bytes
	}
	return n
}

// Lost counts the sequences after the snapshot the journal no longer holds.
func (r RepairReport) Lost() uint64 {
	if r.LostFirst == 0 || r.LostLast < r.LostFirst {
		return 0
	}
	return r.LostLast - r.LostFirst + 1
}

// Losses are the report's set-aside stretches as the next start reports
// them (see NoteLosses).
func (r RepairReport) Losses() []Loss {
	out := make([]Loss, 0, len(r.SetAside))
	for _, s := range r.SetAside {
		what := "journal repair"
		if s.Covered {
			what = "journal repair (in the snapshot)"
		}
		out = append(out, Loss{What: what, File: s.To, Offset: s.Offset, Bytes: s.Bytes, Acknowledged: s.Acknowledged})
	}
	return out
}

// RepairJournal is the operator's answer to a *CorruptError from
// OpenJournal (the `allot snapshot repair` command). It keeps every record
// it can prove belongs and sets the rest aside, never deleting a byte.
//
// A record is kept when every sequence before it, down to the snapshot's
// (or to the journal's start without one), is accounted for: by the
// snapshot or by a kept record. Replaying record N+1 without N would apply
// a change to a state that never saw the one before it, so a valid record
// after a lost one is set aside too; records are CRC-checked together with
// their sequence, so a valid one is the record of that number. Damage
// among records the snapshot holds therefore costs nothing: the journal
// restarts at the first valid record after it (at most SnapshotSeq+1).
// Damage after the snapshot loses the damaged record and everything after
// it; damage that breaks no sequence (stray bytes in a segment's unused
// space, a bad segment header over good records) loses nothing.
//
// A segment with nothing kept is renamed "<name>.broken"; one that keeps
// only some of its records, or has bad bytes, is kept whole as
// "<name>.broken" and written afresh (named after its first kept record)
// with only the kept records. With nothing kept, an empty segment marks
// where the journal goes on, so that Recover can see what is missing.
// The losses are noted for the next Recover to report (NoteLosses). It
// takes the journal's lock (the service must be stopped), except in a dry
// run. An interrupted repair is simply run again.
func RepairJournal(dir string, opts RepairOptions) (RepairReport, error) {
	if !opts.DryRun {
		lock, err := lockDir(dir)
		if err != nil {
			return RepairReport{}, err
		}
		defer lock.Close()
	}
	scans, err := scanDir(dir)
	if err != nil {
		return RepairReport{}, err
	}
	if v := judge(scans); v.err == nil && !v.torn {
		info := journalInfo(scans)
		return RepairReport{FirstSeq: info.LastSeq - uint64(info.Records) + 1, LastSeq: info.LastSeq}, nil
	}
	p, err := planRepair(scans, opts.SnapshotSeq)
	if err != nil {
		return RepairReport{}, err
	}
	rep := p.report()
	if opts.DryRun {
		return rep, nil
	}
	if err := p.apply(dir, rep); err != nil {
		return rep, err
	}
	return rep, NoteLosses(dir, rep.Losses())
}

// span is a run of consecutive valid records at consecutive offsets of
// one segment: what a repair keeps or sets aside as a whole.
type span struct {
	seg         int    // index in the scans
	first, last uint64 // sequences
	from, to    int64  // byte offsets
}

// pos is a place in the journal: a segment and an offset in it.
type pos struct {
	seg int
	off int64
}

func (p pos) before(q pos) bool { return p.seg < q.seg || p.seg == q.seg && p.off < q.off }

// repairPlan is what a repair will do, worked out before anything changes.
type repairPlan struct {
	scans      []segmentScan
	spans      [][]span // per segment, every valid run found
	versions   []uint16 // per segment, the format its records are framed in
	kept       []span   // the records the journal keeps, in order
	floor      uint64   // every sequence up to it is accounted for without the journal
	start, end pos      // where the kept records start and end in the files
	broken     []string // per segment, the .broken name its bytes go to
	tailAcked  bool     // the last segment's bad end is damage, not a write a crash cut short
}

func planRepair(scans []segmentScan, snapSeq uint64) (*repairPlan, error) {
	p := &repairPlan{scans: scans, floor: snapSeq, spans: make([][]span, len(scans)),
		versions: make([]uint16, len(scans)), broken: make([]string, len(scans))}
	if len(scans) > 0 && scans[0].nameFirst > 0 {
		p.floor = max(p.floor, scans[0].nameFirst-1)
	}
	var all []span
	for i, s := range scans {
		sp, version, err := segmentSpans(i, s)
		if err != nil {
			return nil, err
		}
		p.spans[i], p.versions[i], all = sp, version, append(all, sp...)
		p.broken[i] = brokenPath(s.path)
	}
	p.kept = chooseChain(all, p.floor)
	p.tailAcked = tailAcked(scans)
	if n := len(p.kept); n > 0 {
		p.start = pos{p.kept[0].seg, p.kept[0].from}
		p.end = pos{p.kept[n-1].seg, p.kept[n-1].to}
	}
	return p, nil
}

// tailAcked reports whether the bad bytes at the end of the last segment
// may have held acknowledged records: by judge's rules for a last
// segment, damage rather than a write that a crash cut short.
func tailAcked(scans []segmentScan) bool {
	if len(scans) == 0 {
		return false
	}
	v := judge(scans[len(scans)-1:])
	return v.err != nil || v.acked
}

// chooseChain picks the spans to keep: a chain of consecutive sequences
// that starts at or below floor+1 and reaches as far as the disk allows.
// A span that cannot continue the chain may start it afresh if the
// sequences it skips are all accounted for (at or below floor).
func chooseChain(spans []span, floor uint64) []span {
	var chain []span
	for _, sp := range spans {
		n := len(chain)
		switch {
		case n > 0 && sp.first == chain[n-1].last+1:
			chain = append(chain, sp)
		case sp.first <= floor+1 && (n == 0 || sp.last > chain[n-1].last):
			chain = []span{sp}
		}
	}
	return chain
}

// segmentSpans finds every run of valid records in a segment, and the
// format version they are framed in: the run the scan found from the
// header on, and, past damage or a bad header, any further ones. Each is
// found by the scan itself, run again from where it saw valid data follow
// (a record, or in version 2 a complete batch), so that repair judges
// records exactly as opening does, in either format.
func segmentSpans(i int, s segmentScan) ([]span, uint16, error) {
	var out []span
	if s.headerBad == "" && s.records > 0 {
		out = append(out, span{seg: i, first: s.first, last: s.last, from: segmentHeaderSize, to: s.end})
	}
	if s.headerBad == "" && !s.dirty() {
		return out, s.version, nil
	}
	data, err := readFile(s.path, -1, nil)
	if err != nil {
		return nil, 0, err
	}
	cur, base, version := s, int64(0), s.version
	if s.headerBad != "" { // the records may be sound under a bad header
		cur, version = rescanAnyVersion(s.path, data, s.nameFirst)
		if cur.records > 0 {
			out = append(out, span{seg: i, first: cur.first, last: cur.last, from: segmentHeaderSize, to: cur.end})
		}
	}
	for cur.validAt >= 0 {
		at := base + cur.validAt
		seq, _, _, st := decodeRecord(data[at:])
		if st != recOK {
			break
		}
		cur, base = rescan(s.path, data, at, seq, version), at-segmentHeaderSize
		if cur.records == 0 {
			break
		}
		out = append(out, span{seg: i, first: seq, last: cur.last, from: at, to: base + cur.end})
	}
	return out, version, nil
}

// rescan scans data from offset at as the segment it would be if it began
// there with a header for seq: offsets in the result are relative to at,
// less the header's size.
func rescan(path string, data []byte, at int64, seq uint64, version uint16) segmentScan {
	buf := make([]byte, 0, segmentHeaderSize+len(data)-int(at))
	buf = append(append(buf, encodeSegmentHeaderVersion(seq, version)...), data[at:]...)
	return scanSegment(path, seq, buf)
}

// rescanAnyVersion scans the records under a bad header, in the current
// format if they decode in it, else in version 1.
func rescanAnyVersion(path string, data []byte, nameFirst uint64) (segmentScan, uint16) {
	if len(data) < segmentHeaderSize {
		return segmentScan{validAt: -1}, segmentVersion
	}
	for _, v := range []uint16{segmentVersion, segmentVersion1} {
		if s := rescan(path, data, segmentHeaderSize, nameFirst, v); s.records > 0 || s.validAt >= 0 {
			return s, v
		}
	}
	return segmentScan{validAt: -1}, segmentVersion
}

// keptIn returns the kept spans of segment i.
func (p *repairPlan) keptIn(i int) []span {
	var out []span
	for _, sp := range p.kept {
		if sp.seg == i {
			out = append(out, sp)
		}
	}
	return out
}

// keepsAsIs reports a segment the repair leaves alone: all its records
// kept, a sound header that matches its name, nothing after them.
func (p *repairPlan) keepsAsIs(i int) bool {
	s, k := p.scans[i], p.keptIn(i)
	return len(k) == 1 && k[0].from == segmentHeaderSize && s.headerBad == "" && s.first == s.nameFirst &&
		s.dataEnd <= k[0].to
}

// apply carries the plan out: first the damaged segments that keep some
// records are linked (or copied) to their .broken names, then segments
// with nothing kept are renamed, then the kept records are written afresh,
// so that at every step the bytes are somewhere and a rerun finds them.
func (p *repairPlan) apply(dir string, rep RepairReport) error {
	for i, s := range p.scans {
		if !p.keepsAsIs(i) && len(p.keptIn(i)) > 0 {
			if err := preserve(s.path, p.broken[i]); err != nil {
				return err
			}
		}
	}
	for i, s := range p.scans {
		if len(p.keptIn(i)) == 0 {
			if err := os.Rename(s.path, p.broken[i]); err != nil {
				return fmt.Errorf("persistence: set aside %s: %w", s.path, err)
			}
		}
	}
	for i := range p.scans {
		if !p.keepsAsIs(i) && len(p.keptIn(i)) > 0 {
			if err := p.rewrite(dir, i); err != nil {
				return err
			}
		}
	}
	if len(p.kept) == 0 { // keep the journal's starting point, so Recover can see what is missing
		if err := writeEmptySegment(dir, max(rep.FirstSeq, 1)); err != nil {
			return err
		}
	}
	return SyncDir(dir)
}

// rewrite writes segment i's kept records into a fresh segment named
// after the first of them, in the format they are framed in, and removes
// the old name if that differs (its bytes are at their .broken name
// already).
func (p *repairPlan) rewrite(dir string, i int) error {
	s, k := p.scans[i], p.keptIn(i)
	data, err := readFile(s.path, -1, nil)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, segmentName(k[0].first))
	err = WriteFileAtomic(path, filePerm, func(w io.Writer) error {
		if _, err := w.Write(encodeSegmentHeaderVersion(k[0].first, s.version)); err != nil {
			return err
		}
		for _, sp := range k {
			if _, err := w.Write(data[sp.from:sp.to]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || path == s.path {
		return err
	}
	if err := os.Remove(s.path); err != nil {
		return fmt.Errorf("persistence: repair: %w", err)
	}
	return nil
}

// preserve gives the file at path a second name, to, without copying if
// the file system allows a hard link.
func preserve(path, to string) error {
	if err := os.Link(path, to); err == nil {
		return nil
	}
	data, err := readFile(path, -1, nil)
	if err != nil {
		return err
	}
	return WriteFileAtomic(to, filePerm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

func writeEmptySegment(dir string, first uint64) error {
	path := filepath.Join(dir, segmentName(first))
	return WriteFileAtomic(path, filePerm, func(w io.Writer) error {
		_, err := w.Write(encodeSegmentHeader(first))
		return err
	})
}
