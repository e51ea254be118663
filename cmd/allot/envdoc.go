package main

// envVar documents one environment variable `allot run` reads. This table
// is the one source of truth for `allot help`, and a test holds README's
// "## Configuration" table, .env.example and the getenv calls in the code
// to it.
type envVar struct {
	Name string
	// Default is the value the program uses when the variable is unset,
	// written as the variable would be set to it; empty when unset means
	// "off" or something Meaning describes.
	Default string
	Meaning string // plain text; `backticks` mark code
	Group   string // the heading it is listed under in `allot help`
	// TestOnly variables point the program at fakes; operators leave them
	// unset, and .env.example does not list them.
	TestOnly bool
}

// The groups of envVars, in the order help lists them.
const (
	groupTelegram     = "Telegram"
	groupData         = "Data, logs and HTTP"
	groupTON          = "TON payments"
	groupFragment     = "Fragment login codes and returned accounts"
	groupDistribution = "Distribution to staff"
	groupLimits       = "Rate limits and the Sheets circuit breaker (the Mirza seed's names)"
	groupBackups      = "Scheduled backups"
	groupTests        = "For tests only"
)

var envVars = []envVar{
	{Name: "BOT_TOKEN", Group: groupTelegram, Meaning: "the bot's token from @BotFather. Unset: the offline playground " +
		"when HTTP_ADDR is loopback, else the engine alone. Seed name: TELEGRAM_TOKEN"},
	{Name: "OWNER_ID", Group: groupTelegram, Meaning: "your Telegram user id; the owner has every admin right"},
	{Name: "ADMIN_IDS", Group: groupTelegram, Meaning: "more admins: Telegram user ids, comma-separated. Seed name: ADMIN_ID"},
	{Name: "TELEGRAM_API_URL", Group: groupTelegram, Meaning: "a local Bot API server, or a fake, to talk to " +
		"instead of Telegram's https://api.telegram.org"},
	{Name: "WEBHOOK_URL", Group: groupTelegram, Meaning: "webhook mode: the public https URL Telegram posts to, " +
		"forwarded by your reverse proxy to HTTP_ADDR /telegram/webhook. Unset: long polling"},
	{Name: "WEBHOOK_SECRET", Group: groupTelegram, Meaning: "required with WEBHOOK_URL: 16–256 of A-Z a-z 0-9 _ -, " +
		"checked on every post"},

	{Name: "DATA_DIR", Default: "./data", Group: groupData, Meaning: "the journal and snapshots"},
	{Name: "DATABASE_URL", Group: groupData, Meaning: "keep the state in PostgreSQL instead of DATA_DIR's journal " +
		"and snapshots: `postgres://user:password@host:5432/db`; back it up with PostgreSQL's own tools. " +
		"`allot migrate --from-dir DATA_DIR` copies a data directory into it"},
	{Name: "FSYNC", Default: "always", Group: groupData, Meaning: "`always`: acknowledge after fdatasync " +
		"(survives power loss); `os`: after write() (survives kill -9, not power loss)"},
	{Name: "SNAPSHOT_INTERVAL", Default: "10m", Group: groupData, Meaning: "how often a snapshot is written " +
		"(`0`: only at shutdown)"},
	{Name: "SNAPSHOT_KEEP", Default: "3", Group: groupData, Meaning: "snapshots kept (1–100); the journal is kept " +
		"back to the oldest"},
	{Name: "LOG_LEVEL", Default: "info", Group: groupData, Meaning: "`debug`, `info`, `warn` or `error`"},
	{Name: "LOG_FORMAT", Default: "text", Group: groupData, Meaning: "`text` or `json`"},
	{Name: "HTTP_ADDR", Default: "127.0.0.1:8080", Group: groupData, Meaning: "/healthz, /readyz, /metrics and " +
		"/actors (and the playground's web chat)"},
	{Name: "INTROSPECTION_TOKEN", Group: groupData, Meaning: "guards /metrics and /actors (Bearer, or the password " +
		"of HTTP Basic in a browser), at least 16 characters; required when HTTP_ADDR is not loopback"},

	{Name: "TON_WALLET", Group: groupTON, Meaning: "the receiving wallet (UQ…, EQ… or 0:hex). Unset: invoices " +
		"open but nothing is read from the chain"},
	{Name: "TON_NETWORK", Default: "mainnet", Group: groupTON, Meaning: "`mainnet` or `testnet`"},
	{Name: "TON_CONFIG", Group: groupTON, Meaning: "a global config file or URL listing liteservers. Unset: " +
		"ton.org's for TON_NETWORK"},
	{Name: "USDT_MASTER", Default: "EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs", Group: groupTON,
		Meaning: "the USDT jetton master whose payments to TON_WALLET are read (our jetton wallet is asked of it " +
			"once and kept in the journal); `off`: TON only. Unset on testnet: off"},

	{Name: "FRAGMENT_COOKIES", Group: groupFragment, Meaning: "the Cookie header of a browser logged in to " +
		"fragment.com with the wallet that owns the numbers; with it renters get their login codes and every " +
		"session on a number is ended when its holder loses it. Unset (and no file): the relay is off"},
	{Name: "FRAGMENT_COOKIES_FILE", Group: groupFragment, Meaning: "a file holding that header instead, re-read " +
		"when it changes (set one of the two)"},
	{Name: "FRAGMENT_URL", Default: "https://fragment.com", Group: groupFragment, Meaning: "Fragment's address " +
		"(a fake's in tests)"},
	{Name: "FRAGMENT_RATE", Default: "2", Group: groupFragment, Meaning: "requests a second to Fragment (at most 20)"},
	{Name: "CODE_WATCH", Default: "3m", Group: groupFragment, Meaning: "how long a renter's wait for a new login " +
		"code lasts (10s–1h)"},
	{Name: "API_ID", Group: groupFragment, Meaning: "an app's api_id from my.telegram.org; with API_HASH (and the " +
		"Fragment cookies) the bot signs in to each returned number's account to find a cloud password left " +
		"behind. Unset: admins check returned numbers (/unchecked, /checked)"},
	{Name: "API_HASH", Group: groupFragment, Meaning: "that app's api_hash"},

	{Name: "KINDS_FILE", Group: groupDistribution, Meaning: "the resource kinds staff can ask for " +
		"and the regions offered, its `regions` list (the seed's REGIONS; `make run` uses testdata/kinds.json). " +
		"Unset: no distribution"},
	{Name: "STOCK_TIMEZONE", Default: "UTC", Group: groupDistribution, Meaning: "an IANA zone (e.g. " +
		"Europe/Moscow): where \"today\" is for today-only phone numbers"},
	{Name: "GOOGLE_CREDENTIALS_JSON", Group: groupDistribution, Meaning: "a service account's JSON key; with it " +
		"the stock is in Google Sheets. Unset (and no file): CSV files under DATA_DIR/sheets"},
	{Name: "GOOGLE_CREDENTIALS_FILE", Group: groupDistribution, Meaning: "a file holding that key instead"},
	{Name: "SPREADSHEET_STOCK", Group: groupDistribution, Meaning: "the stock spreadsheet's id (share it with " +
		"the service account). Seed name: SPREADSHEET_ACCOUNTS"},
	{Name: "SPREADSHEET_ISSUED", Group: groupDistribution, Meaning: "the issued spreadsheet's id"},
	{Name: "SHEETS_ENDPOINT", Group: groupDistribution, Meaning: "a fake Sheets API (no credentials) instead of " +
		"Google"},
	{Name: "SHEETS_READS_PER_MIN", Default: "50", Group: groupDistribution, Meaning: "read requests a minute, " +
		"at most Google's 60 per user"},
	{Name: "SHEETS_WRITES_PER_MIN", Default: "50", Group: groupDistribution, Meaning: "write requests a minute, " +
		"at most 60"},

	{Name: "RATE_LIMIT_USER_MESSAGES", Default: "30", Group: groupLimits, Meaning: "updates a minute per person " +
		"(messages, commands, buttons), or `off`"},
	{Name: "RATE_LIMIT_USER_OPERATIONS", Default: "20", Group: groupLimits, Meaning: "changes a minute per person " +
		"(rent, renew, transfer, top-up, admin actions), or `off`"},
	{Name: "RATE_LIMIT_USER_PAYMENTS", Default: "5", Group: groupLimits, Meaning: "invoices and balance payments " +
		"a minute per person, or `off`"},
	{Name: "RATE_LIMIT_GLOBAL_MESSAGES", Default: "1000", Group: groupLimits, Meaning: "updates a second from " +
		"everyone together, or `off`"},
	{Name: "RATE_LIMIT_PREMIUM_MULTIPLIER", Default: "2", Group: groupLimits, Meaning: "Telegram Premium users' " +
		"rates and bursts are multiplied by this (1–100)"},
	{Name: "CIRCUIT_BREAKER_FAILURE_THRESHOLD", Default: "5", Group: groupLimits, Meaning: "Google Sheets " +
		"failures in a row (5xx, timeouts) that open the breaker (1–1000)"},
	{Name: "CIRCUIT_BREAKER_TIMEOUT", Default: "30s", Group: groupLimits, Meaning: "how long the open breaker " +
		"refuses calls before it lets one probe through: a duration, or seconds as the seed wrote them (1s–1h)"},
	{Name: "CIRCUIT_BREAKER_SUCCESS_THRESHOLD", Default: "1", Group: groupLimits, Meaning: "good probes that " +
		"close the breaker. Allot's closes on the first: another value is not applied, and the start warns"},

	{Name: "BACKUP_DIR", Group: groupBackups, Meaning: "where `allot run` writes its scheduled backups (outside " +
		"DATA_DIR). Unset: no scheduled backups"},
	{Name: "BACKUP_EVERY", Default: "24h", Group: groupBackups, Meaning: "how often (1m–720h); needs BACKUP_DIR"},
	{Name: "BACKUP_KEEP", Default: "7", Group: groupBackups, Meaning: "scheduled backups kept (1–1000)"},
	{Name: "BACKUP_AGE_RECIPIENT", Group: groupBackups, Meaning: "an age public key (age1…): the backups are " +
		"encrypted to it; `allot restore` takes the identity file"},
	{Name: "BACKUP_COMMAND", Group: groupBackups, Meaning: "run with each finished backup's path (as $1 and " +
		"$BACKUP_FILE) to ship it off the machine: rclone, aws, scp"},

	{Name: "MTPROTO_SERVER", Group: groupTests, TestOnly: true, Meaning: "a fake Telegram MTProto server, " +
		"host:port, for the account checker"},
	{Name: "MTPROTO_SERVER_KEYS_FILE", Group: groupTests, TestOnly: true, Meaning: "that server's public keys, PEM"},
}
