// Package csvstore implements the stocker.Store port on CSV files, so that
// Allot runs without a Google account: tests, the load test and the offline
// playground keep their stock in files a person can open and edit.
//
// # Layout
//
// Under the data directory given to Open, a spreadsheet is a subdirectory
// named by its id and a tab is a file in it named by its title:
//
//	<dir>/<spreadsheet>/<tab>.csv     the rows of the tab
//	<dir>/<spreadsheet>/<tab>.colors  background colours of its rows (optional)
//
// A title (or id) is used as the file name as it is when it is safe on
// Linux, macOS and Windows; Cyrillic letters and inner spaces are, so
// "Мамба Муж" is stored in "Мамба Муж.csv". Otherwise each unsafe byte is
// written as %XX (upper-case hex of its UTF-8 byte): '%' itself, / \ : * ?
// " < > |, control and other unprintable characters, invalid UTF-8, a
// leading dot or space, a trailing dot or space, and the first letter of a
// Windows device name (CON, NUL, COM1...). As '%' is always encoded, a name
// containing '%' was encoded and a name without one is the title itself,
// so the mapping is reversible. Titles are compared as bytes: on a
// case-insensitive file system "Gmail" and "gmail" are one tab (Google
// refuses such twins too).
//
// # CSV dialect
//
// Files are RFC 4180 CSV with a comma, read by encoding/csv with lazy
// quotes and any number of fields per row. Rows come back as they are in
// the file (ragged, never padded), except that a row whose cells are all
// empty, a blank line included, is an empty row (nil), as Google shows it,
// and empty rows at the end are dropped. Blank lines in the middle are
// rows: a person may leave one, and indices must count it. A file saved
// with a UTF-8 byte order mark or CRLF line ends (spreadsheet programs do)
// is written back the same way, and a rewrite keeps the file's permissions.
//
// # Colours
//
// CSV has no colours, so AppendRows keeps them in the sidecar file
// <tab>.colors: one line per row of the tab, "#RRGGBB" or empty. The store
// keeps it aligned through its own inserts and deletes, but it is
// positional: rows a person inserts or deletes by hand shift the colours
// below them. Colours are for people and tests (Store.Colors), never for
// decisions. A tab never given a colour has no sidecar.
//
// # Durability and concurrency
//
// Every write replaces the whole file through persistence.WriteFileAtomic
// (temporary file in the same directory, fsync, rename, fsync of the
// directory), so a crash leaves the old tab or the new one, never half of
// one. The sidecar is written after the CSV; a crash between the two can
// cost the colours of that call, never a row. A crash may leave a
// temporary "<tab>.csv.tmp-*" file, which is never read.
//
// Calls on one tab are serialised by a lock per file; the process must be
// the only program writing the files. A person may still edit a file
// between two calls: every write reads the file again under the lock and
// applies to the tab as it is then, which is why the port's row indices
// are only hints.
package csvstore
