package ton

import (
	"fmt"

	"github.com/xssnick/tonutils-go/tvm/cell"
)

// DecodeCell reads a bag of cells the way DecodeTransaction does (header
// checked first, panics of tonutils-go turned into errors), for the fuzz
// test of the notification decoder, which starts from bytes.
func DecodeCell(boc []byte) (c *cell.Cell, err error) {
	defer guard("decode cell", &err)
	if err := checkBOC(boc); err != nil {
		return nil, err
	}
	if c, err = cell.FromBOC(boc); err != nil {
		return nil, fmt.Errorf("ton: decode cell: %w", err)
	}
	return c, nil
}
