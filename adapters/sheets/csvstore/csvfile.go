package csvstore

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
)

// bom is the UTF-8 byte order mark spreadsheet programs put at the start
// of the CSV files they save.
var bom = []byte("\uFEFF")

// dialect is how a file was written, kept so that a rewrite does not
// change what a person's program produced.
type dialect struct {
	bom  bool // starts with a byte order mark
	crlf bool // lines end in CRLF
}

// parseRows reads a tab file into rows (see the package doc for what an
// empty row is) and the dialect to write it back in.
func parseRows(data []byte) ([][]string, dialect, error) {
	d := dialect{bom: bytes.HasPrefix(data, bom)}
	data = bytes.TrimPrefix(data, bom)
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	lines, offset := 0, int64(0) // lines and bytes up to the end of the last record
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			return trimEmpty(rows), d, nil
		}
		if err != nil {
			return nil, d, err
		}
		// encoding/csv skips blank lines; they are rows to a person.
		start, _ := r.FieldPos(0)
		for range start - 1 - lines {
			rows = append(rows, nil)
		}
		rows = append(rows, rowOf(record))
		end := r.InputOffset()
		if offset == 0 { // how the first record ends is how lines end
			d.crlf = bytes.HasSuffix(data[:end], []byte("\r\n"))
		}
		lines += bytes.Count(data[offset:end], []byte{'\n'})
		offset = end
	}
}

// rowOf makes a record whose cells are all empty an empty row.
func rowOf(record []string) []string {
	for _, cell := range record {
		if cell != "" {
			return record
		}
	}
	return nil
}

// trimEmpty drops the empty rows at the end.
func trimEmpty(rows [][]string) [][]string {
	n := len(rows)
	for n > 0 && rowOf(rows[n-1]) == nil {
		n--
	}
	return rows[:n]
}

// writeRows writes rows as CSV in dialect d; an empty row is a blank line.
func writeRows(w io.Writer, rows [][]string, d dialect) error {
	var b bytes.Buffer
	if d.bom {
		b.Write(bom)
	}
	cw := csv.NewWriter(&b)
	for _, row := range rows {
		if err := cw.Write(rowOf(row)); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(lineEnds(b.Bytes(), d.crlf))
	return err
}

// lineEnds turns what csv.Writer wrote with LF line ends into bytes that
// encoding/csv reads back as the same cells. Its reader drops one CR before
// every LF, so CRLF mode adds one before every LF, and LF mode adds one to
// every CRLF (only a cell can hold one). csv.Writer's own UseCRLF would
// drop a lone CR from a cell.
func lineEnds(lf []byte, crlf bool) []byte {
	if crlf {
		return bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
	}
	return bytes.ReplaceAll(lf, []byte("\r\n"), []byte("\r\r\n"))
}
