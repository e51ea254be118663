package sheetstest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"google.golang.org/api/sheets/v4"
)

// Google parses a request body against the API's schema before anything
// else reads it, and refuses a field the schema does not have with 400
// "Invalid JSON payload received. Unknown name ...". The fake reads only
// the fields it models, so it checks the names against the schema as the
// Go client's types carry it (they are generated from the API's discovery
// document): a field Google has but the fake ignores is still accepted, as
// on Google, and a misspelt one is refused, as on Google.

// bodySchemas are the request body of each method that has one.
var bodySchemas = map[string]reflect.Type{
	MethodBatchUpdate:      reflect.TypeFor[sheets.BatchUpdateSpreadsheetRequest](),
	MethodValuesAppend:     reflect.TypeFor[sheets.ValueRange](),
	MethodValuesUpdate:     reflect.TypeFor[sheets.ValueRange](),
	MethodValuesBatchUpd:   reflect.TypeFor[sheets.BatchUpdateValuesRequest](),
	MethodValuesClear:      reflect.TypeFor[sheets.ClearValuesRequest](),
	MethodValuesBatchClear: reflect.TypeFor[sheets.BatchClearValuesRequest](),
}

// unknownName is a field of a body that its schema does not have: its
// name as sent, and where it was, in the proto field names Google's
// messages use ("requests[0].update_cells.start"; "" for the top level).
type unknownName struct {
	at, name string
}

func (u unknownName) String() string {
	if u.at == "" {
		return fmt.Sprintf("Invalid JSON payload received. Unknown name %q: Cannot find field.", u.name)
	}
	return fmt.Sprintf("Invalid JSON payload received. Unknown name %q at '%s': Cannot find field.", u.name, u.at)
}

// checkNames refuses a body of method holding a field its schema lacks,
// as Google does: every such field in the message, one a line, and each in
// the details as a google.rpc.BadRequest field violation. A body that is
// not JSON passes, for the decoding that follows to refuse.
func checkNames(method string, body []byte) *apiError {
	schema, ok := bodySchemas[method]
	if !ok || len(body) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var unknown []unknownName
	findUnknown(v, schema, "", &unknown)
	if len(unknown) == 0 {
		return nil
	}
	lines := make([]string, 0, len(unknown))
	violations := make([]map[string]string, 0, len(unknown))
	for _, u := range unknown {
		lines = append(lines, u.String())
		fv := map[string]string{"description": u.String()}
		if u.at != "" {
			fv["field"] = u.at
		}
		violations = append(violations, fv)
	}
	e := errInvalid("%s", strings.Join(lines, "\n"))
	e.Details = []any{map[string]any{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": violations}}
	return e
}

// findUnknown walks v, decoded JSON, along t, adding to out every object
// key t has no field for, in the order of the keys. Values of a type other
// than t expects are left to the decoding that follows.
func findUnknown(v any, t reflect.Type, at string, out *[]unknownName) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			f, ok := fields[k]
			if !ok {
				*out = append(*out, unknownName{at: at, name: k})
				continue
			}
			findUnknown(obj[k], f, joinPath(at, protoName(k)), out)
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return
		}
		for i, e := range arr {
			findUnknown(e, t.Elem(), fmt.Sprintf("%s[%d]", at, i), out)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			findUnknown(obj[k], t.Elem(), fmt.Sprintf("%s[%q]", at, k), out)
		}
	}
}

func joinPath(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

// fieldCache holds jsonFields' answers: a struct type's fields by name.
var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps the JSON names of t's fields to their types. Google's
// parser also takes a field under its proto name ("sheet_id" for
// "sheetId"); the fake, which reads the lowerCamel names only, refuses
// those rather than ignore what they say.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		name = cmp.Or(name, f.Name)
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

// protoName is a JSON name as the proto field it stands for: "sheetId" is
// "sheet_id".
func protoName(json string) string {
	var b strings.Builder
	for i, r := range json {
		if 'A' <= r && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
