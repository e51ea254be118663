package domain

import (
	"reflect"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// msgpack decodes times in the machine's local zone; Allot keeps every time
// in UTC, so that a state replayed from the journal is identical, field for
// field, to the state that wrote it, whatever TZ the process runs under.
// The hand-written decoders (codec_read.go) read times in UTC; what msgpack
// decodes by reflection is put in UTC right after, by decodeUTC and
// DecodeRecord, here and nowhere else: the library's own decoder stays as it
// is for every other user in the process.

// decodeUTC decodes into v (a pointer) by reflection, then puts every time
// it holds in UTC. The states that msgpack decodes by reflection call it
// from their DecodeMsgpack, through a type without that method.
//
// A value that decodes itself is called directly: its DecodeMsgpack reads
// times in UTC, and going through msgpack's reflective dispatch and the
// fixer lookup for it was most of what decoding a replayed record cost.
func decodeUTC(d *msgpack.Decoder, v any) error {
	if self, ok := v.(msgpack.CustomDecoder); ok {
		return self.DecodeMsgpack(d)
	}
	if err := d.Decode(v); err != nil {
		return err
	}
	inUTC(v)
	return nil
}

// inUTC puts every time reachable from v in UTC, skipping values that
// decode themselves: their DecodeMsgpack does it.
func inUTC(v any) {
	rv := reflect.ValueOf(v)
	if fix := utcFixer(rv.Type()); fix != nil {
		fix(rv)
	}
}

// A fixer puts the times of one value of its type in UTC; a type that
// holds no time has none (nil).
type fixer func(v reflect.Value)

var (
	fixers   sync.Map // reflect.Type → fixer, built once per type
	timeKind = reflect.TypeFor[time.Time]()
	selfType = reflect.TypeFor[msgpack.CustomDecoder]()
)

func utcFixer(t reflect.Type) fixer {
	if f, ok := fixers.Load(t); ok {
		return f.(fixer)
	}
	f := buildFixer(t, map[reflect.Type]*fixer{})
	fixers.Store(t, f)
	return f
}

// buildFixer composes the fixer of t from those of its parts; building
// records the types under way, so that a type that contains itself ends.
func buildFixer(t reflect.Type, building map[reflect.Type]*fixer) fixer {
	if f, ok := fixers.Load(t); ok {
		return f.(fixer)
	}
	if p, ok := building[t]; ok {
		return func(v reflect.Value) {
			if *p != nil {
				(*p)(v)
			}
		}
	}
	if t != timeKind && reflect.PointerTo(t).Implements(selfType) {
		return nil
	}
	var f fixer
	building[t] = &f
	defer delete(building, t)
	f = fixerOf(t, building)
	return f
}

func fixerOf(t reflect.Type, building map[reflect.Type]*fixer) fixer {
	switch t.Kind() {
	case reflect.Struct:
		if t == timeKind {
			return fixTime
		}
		return structFixer(t, building)
	case reflect.Pointer:
		return pointerFixer(buildFixer(t.Elem(), building))
	case reflect.Slice, reflect.Array:
		return sliceFixer(buildFixer(t.Elem(), building))
	case reflect.Map:
		return mapFixer(t, buildFixer(t.Elem(), building))
	case reflect.Interface:
		return fixDynamic
	}
	return nil
}

func fixTime(v reflect.Value) {
	p := v.Addr().Interface().(*time.Time)
	*p = p.UTC()
}

func structFixer(t reflect.Type, building map[reflect.Type]*fixer) fixer {
	type field struct {
		i   int
		fix fixer
	}
	var fs []field
	for i := range t.NumField() {
		if sf := t.Field(i); sf.IsExported() {
			if f := buildFixer(sf.Type, building); f != nil {
				fs = append(fs, field{i, f})
			}
		}
	}
	if len(fs) == 0 {
		return nil
	}
	return func(v reflect.Value) {
		for _, f := range fs {
			f.fix(v.Field(f.i))
		}
	}
}

func pointerFixer(elem fixer) fixer {
	if elem == nil {
		return nil
	}
	return func(v reflect.Value) {
		if !v.IsNil() {
			elem(v.Elem())
		}
	}
}

func sliceFixer(elem fixer) fixer {
	if elem == nil {
		return nil
	}
	return func(v reflect.Value) {
		for i := range v.Len() {
			elem(v.Index(i))
		}
	}
}

// mapFixer fixes a copy of each value (map values are not addressable)
// and stores it back, unless the values are pointers.
func mapFixer(t reflect.Type, elem fixer) fixer {
	if elem == nil {
		return nil
	}
	return func(v reflect.Value) {
		it := v.MapRange()
		for it.Next() {
			if t.Elem().Kind() == reflect.Pointer {
				elem(it.Value())
				continue
			}
			c := reflect.New(t.Elem()).Elem()
			c.Set(it.Value())
			elem(c)
			v.SetMapIndex(it.Key(), c)
		}
	}
}

// fixDynamic fixes what an interface holds, by its dynamic type.
func fixDynamic(v reflect.Value) {
	if v.IsNil() {
		return
	}
	in := v.Elem()
	f := utcFixer(in.Type())
	if f == nil {
		return
	}
	if in.Kind() == reflect.Pointer {
		f(in)
		return
	}
	c := reflect.New(in.Type()).Elem()
	c.Set(in)
	f(c)
	v.Set(c)
}
