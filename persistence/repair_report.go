package persistence

import (
	"fmt"
	"path/filepath"
	"strings"
)

// report describes the plan: what the journal keeps, every stretch of
// bytes set aside and what it held, and the sequences lost.
func (p *repairPlan) report() RepairReport {
	var rep RepairReport
	if n := len(p.kept); n > 0 {
		rep.FirstSeq, rep.LastSeq = p.kept[0].first, p.kept[n-1].last
	} else {
		rep.FirstSeq, rep.LastSeq = p.floor+1, p.floor
	}
	p.countLost(&rep)
	for i := range p.scans {
		if !p.keepsAsIs(i) {
			p.reportSegment(i, &rep)
		}
	}
	return rep
}

// countLost finds the highest sequence the disk shows existed (a valid
// record, or a segment's name: segment N proves N-1 was written) and
// counts the valid records past the kept ones.
func (p *repairPlan) countLost(rep *RepairReport) {
	top := rep.LastSeq
	for i, s := range p.scans {
		if s.nameFirst > 0 {
			top = max(top, s.nameFirst-1)
		}
		for _, sp := range p.spans[i] {
			top = max(top, sp.last)
			if sp.last > rep.LastSeq {
				rep.IntactLost += int(sp.last - max(sp.first, rep.LastSeq+1) + 1)
			}
		}
	}
	if top > rep.LastSeq {
		rep.LostFirst, rep.LostLast = rep.LastSeq+1, top
	}
}

// reportSegment adds what segment i loses: all of it when nothing in it
// is kept, else the stretches around the kept records.
func (p *repairPlan) reportSegment(i int, rep *RepairReport) {
	s, k := p.scans[i], p.keptIn(i)
	if len(k) == 0 {
		p.addStretch(rep, i, 0, s.dataEnd, true)
		return
	}
	fresh := SegmentInfo{Path: filepath.Join(filepath.Dir(s.path), segmentName(k[0].first)),
		FirstSeq: k[0].first, LastSeq: k[len(k)-1].last, Bytes: segmentHeaderSize}
	lo := int64(0)
	if k[0].from == segmentHeaderSize && s.headerBad == "" {
		lo = segmentHeaderSize // the header is written again as it was
	}
	for _, sp := range k {
		p.addStretch(rep, i, lo, sp.from, false)
		lo = sp.to
		fresh.Records += int(sp.last - sp.first + 1)
		fresh.Bytes += sp.to - sp.from
	}
	p.addStretch(rep, i, lo, max(s.dataEnd, lo), false)
	rep.Rewritten = append(rep.Rewritten, fresh)
}

// addStretch reports bytes [from, to) of segment i as set aside; a
// stretch of a partly kept segment is left out when empty.
func (p *repairPlan) addStretch(rep *RepairReport, i int, from, to int64, whole bool) {
	if to <= from && !whole {
		return
	}
	s := p.scans[i]
	sa := SetAside{File: s.path, To: p.broken[i], Offset: from, Bytes: to - from}
	for _, sp := range p.spans[i] {
		if sp.from >= from && sp.to <= to {
			if sa.Records == 0 {
				sa.FirstSeq = sp.first
			}
			sa.LastSeq = sp.last
			sa.Records += int(sp.last - sp.first + 1)
		}
	}
	past := len(p.kept) == 0 || !(pos{i, from}).before(p.end)
	sa.Covered = len(p.kept) > 0 && !p.start.before(pos{i, to})
	sa.Acknowledged = past && (rep.Lost() > 0 || i == len(p.scans)-1 && p.tailAcked)
	sa.Reason = p.reason(i, from, to, sa, past, rep.LastSeq+1)
	rep.SetAside = append(rep.SetAside, sa)
}

// reason says in a few words why a stretch was set aside: the damage it
// holds, if any, and where it lies.
func (p *repairPlan) reason(i int, from, to int64, sa SetAside, past bool, next uint64) string {
	s := p.scans[i]
	var why []string
	switch {
	case s.headerBad != "" && from < segmentHeaderSize:
		why = append(why, s.headerBad)
	case s.headerBad == "" && s.first != s.nameFirst && from < segmentHeaderSize:
		why = append(why, fmt.Sprintf("header first seq %d does not match the file name", s.first))
	case s.headerBad == "" && s.dirty() && from <= s.end && s.end < max(to, from+1):
		why = append(why, fmt.Sprintf("%s at offset %d", s.reason(), s.end))
	}
	switch {
	case sa.Covered:
		why = append(why, "before the kept records: all of it is in the snapshot")
	case past && !sa.Acknowledged:
		why = append(why, "a write a crash cut short, never acknowledged")
	case past:
		why = append(why, fmt.Sprintf("from record %d on, which is lost", next))
	case len(why) == 0:
		why = append(why, "bytes between kept records that are no record")
	}
	return strings.Join(why, "; ")
}
