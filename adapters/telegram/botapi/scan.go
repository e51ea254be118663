package botapi

import (
	"bytes"
	"errors"

	json "github.com/grbit/go-json"

	"allot/adapters/telegram/internal/jsonscan"
)

// Reading answers without a decoder. Telegram writes a successful answer
// as {"ok":true,"result":…}; such an answer is cut where its result ends,
// and a getUpdates result is cut into its updates, without copying any of
// it (a decoder copied the whole answer, then each update again). Anything
// else — an error, keys in another order — is decoded as usual. The cuts
// check what they walk as encoding/json would (internal/jsonscan).

// okPrefix is how Telegram starts a successful answer.
const okPrefix = `{"ok":true,"result":`

// parse reads an answer's frame.
func parse(data []byte) (envelope, error) {
	if rest, ok := bytes.CutPrefix(data, []byte(okPrefix)); ok {
		start := jsonscan.Space(rest, 0)
		end, ok := jsonscan.Value(rest, start)
		if ok && bytes.Equal(bytes.TrimSpace(rest[end:]), []byte("}")) {
			return envelope{OK: true, Result: Raw(rest[start:end])}, nil
		}
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return envelope{}, err
	}
	return env, nil
}

// quick reads a successful answer in one pass where it can, and reports
// whether it did: for a caller that reads no result, the start of the
// answer is all there is to read; a list of updates is cut straight from
// it, instead of once to find its end and again to cut it.
func quick(data []byte, result any) bool {
	rest, ok := bytes.CutPrefix(data, []byte(okPrefix))
	if !ok {
		return false
	}
	switch r := result.(type) {
	case nil:
		return true
	case *Batch:
		rest = bytes.TrimRight(rest, " \t\r\n")
		if len(rest) == 0 || rest[len(rest)-1] != '}' {
			return false
		}
		return r.cut(rest[:len(rest)-1]) == nil // else parse says what is wrong
	}
	return false
}

// splitArray cuts a JSON array into its values, appended to out.
func splitArray(out []Raw, data []byte) ([]Raw, error) {
	i := jsonscan.Space(data, 0)
	end, ok := jsonscan.Array(data, i, func(i int) (int, bool) {
		end, ok := jsonscan.Value(data, i)
		if ok {
			out = append(out, Raw(data[i:end]))
		}
		return end, ok
	})
	if !ok || jsonscan.Space(data, end) != len(data) {
		return nil, errors.New("not a JSON array")
	}
	return out, nil
}
