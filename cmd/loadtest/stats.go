package main

import (
	"math"
	"math/bits"
	"time"
)

// histogram records latencies in log-linear buckets (8 per power of two),
// accurate to ~9 %, in constant memory, one per worker, merged at the end.
// 32 powers of two reach past two hours, and the last bucket takes
// anything longer; a histogram is two kilobytes, which each user of the
// engine mode touches with every operation.
type histogram struct {
	counts [32 * 8]uint64
	n      uint64
	max    time.Duration
}

func bucketOf(d time.Duration) int {
	us := uint64(d / time.Microsecond)
	if us < 8 {
		return int(us)
	}
	e := bits.Len64(us) - 1 // us in [2^e, 2^(e+1))
	sub := (us >> (e - 3)) & 7
	return e*8 + int(sub) - 16
}

func bucketUpper(b int) time.Duration {
	if b < 8 {
		return time.Duration(b+1) * time.Microsecond
	}
	e, sub := (b+16)/8, (b+16)%8
	return time.Duration((uint64(8+sub+1)<<(e-3))-1) * time.Microsecond
}

func (h *histogram) add(d time.Duration) {
	b := min(bucketOf(d), len(h.counts)-1)
	h.counts[b]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i := range h.counts {
		h.counts[i] += o.counts[i]
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the upper bound of the bucket holding quantile q, in ms.
func (h *histogram) quantile(q float64) float64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return float64(min(bucketUpper(i), h.max)) / float64(time.Millisecond)
		}
	}
	return float64(h.max) / float64(time.Millisecond)
}
