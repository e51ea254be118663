package domain

import "github.com/vmihailenco/msgpack/v5"

// The states msgpack decodes by reflection. Each decodes itself through a
// plain type, the same struct without the method (so reflection does not
// call it again), and then puts its times in UTC: see codec_time.go. The
// bytes they encode to are those of their struct tags, untouched.

type (
	plainIntake   Intake
	plainUsers    Users
	plainAuditLog AuditLog
	plainCatalog  Catalog
	plainWatcher  Watcher
	plainProxy    Proxy
	plainPool     Pool
)

// DecodeMsgpack reads the state by reflection, with its times in UTC.
func (l *AuditLog) DecodeMsgpack(d *msgpack.Decoder) error { return decodeUTC(d, (*plainAuditLog)(l)) }

// DecodeMsgpack reads the state by reflection, with its times in UTC.
func (c *Catalog) DecodeMsgpack(d *msgpack.Decoder) error { return decodeUTC(d, (*plainCatalog)(c)) }

// DecodeMsgpack reads the state by reflection, with its times in UTC.
func (w *Watcher) DecodeMsgpack(d *msgpack.Decoder) error { return decodeUTC(d, (*plainWatcher)(w)) }

// DecodeMsgpack reads the state by reflection, with its times in UTC.
func (p *Proxy) DecodeMsgpack(d *msgpack.Decoder) error { return decodeUTC(d, (*plainProxy)(p)) }

// DecodeMsgpack reads the state by reflection, with its times in UTC.
func (p *Pool) DecodeMsgpack(d *msgpack.Decoder) error { return decodeUTC(d, (*plainPool)(p)) }

// DecodeMsgpack reads the state by reflection, with its times in UTC.
func (in *Intake) DecodeMsgpack(d *msgpack.Decoder) error { return decodeUTC(d, (*plainIntake)(in)) }
