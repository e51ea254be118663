package ton

import (
	"bytes"
	"fmt"
)

// bocMagic starts every bag of cells tonutils-go can read.
var bocMagic = []byte{0xb5, 0xee, 0x9c, 0x72}

// checkBOC refuses a bag of cells whose header tonutils-go v1.12.0 would
// trip over. Its parser reads the header with unchecked slicing and sizes
// its first allocations by the counts it finds there, so a short or lying
// header panics, or asks for gigabytes, before any check runs. Here every
// count is bounded by the length of the input instead.
//
// Header: magic(4) flags(1: has_idx, has_crc32c, has_cache_bits, 2 zero
// bits, size:3) off_bytes(1) cells(size) roots(size) absent(size)
// tot_cells_size(off_bytes) root_list(roots×size) [index(cells×off_bytes)].
func checkBOC(data []byte) error {
	if len(data) < 10 || !bytes.Equal(data[:4], bocMagic) {
		return fmt.Errorf("%w: not a bag of cells", ErrMalformed)
	}
	hasIndex, size, off := data[4]&0x80 != 0, int(data[4]&7), int(data[5])
	if size < 1 || size > 4 || off < 1 || off > 8 {
		return fmt.Errorf("%w: bag of cells with %d-byte counts and %d-byte offsets", ErrMalformed, size, off)
	}
	p := 6 + 3*size + off
	if len(data) < p {
		return fmt.Errorf("%w: bag of cells header cut short", ErrMalformed)
	}
	cells, roots := uintOf(data[6:6+size]), uintOf(data[6+size:6+2*size])
	total := uintOf(data[6+3*size : p])
	n := uint64(len(data))
	if roots < 1 || roots > cells || cells > n {
		return fmt.Errorf("%w: bag of %d cells with %d roots in %d bytes", ErrMalformed, cells, roots, n)
	}
	end := uint64(p) + roots*uint64(size)
	if hasIndex {
		end += cells * uint64(off)
	}
	if end > n || total > n-end {
		return fmt.Errorf("%w: bag of cells longer than its %d bytes", ErrMalformed, n)
	}
	return nil
}

// uintOf reads a big-endian unsigned number of at most 8 bytes.
func uintOf(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// guard turns a panic inside tonutils-go's decoders into an error, for the
// few calls that decode bytes from outside. tonutils-go v1.12.0 indexes
// slices on data it has not checked (a cell that refers back to an earlier
// one panics while hashing, for one), so a malformed or hostile answer
// would otherwise take the whole bot down. Our own code never relies on it.
func guard(what string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %s: %v", ErrMalformed, what, r)
	}
}
