package playground

import (
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

//go:embed web
var webFiles embed.FS

// pageCSP lets the page load only its own script, style and pictures, and
// talk only to its own server: no inline code, nothing from elsewhere.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// maxBody bounds a request to the API: a message is at most 4096 letters.
const maxBody = 64 << 10

// PageParts are what the page shows and drives. All are needed.
type PageParts struct {
	BotAPI    *telegramtest.Server // the fake Bot API the bot talks to
	People    *People
	Chats     *Transcript // following BotAPI's events
	Wallet    *Wallet
	Fragment  *Fragment
	Catalogue Catalogue // the numbers the simulated Telegram app lists
	Dir       string    // where the playground's files are, as the page tells
}

// Page is the playground's web chat: a page where a person picks a
// simulated user, writes to the bot, presses its buttons, pays its
// invoices from a simulated wallet and logs in with a rented number, and
// the JSON API under /play/api/ it does that through.
type Page struct{ parts PageParts }

// NewPage is the page over parts; Register serves it.
func NewPage(parts PageParts) *Page { return &Page{parts} }

// Register serves the page at / and its files and API under /play/. The
// API is for a browser on this machine: cross-origin requests that change
// anything are refused.
func (p *Page) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(webFiles, "web")
	files := http.StripPrefix("/play/static/", http.FileServerFS(static))
	mux.Handle("GET /{$}", page(http.HandlerFunc(p.index)))
	mux.Handle("GET /play/static/", page(files))
	api := http.NewServeMux()
	api.HandleFunc("GET /play/api/state", p.state)
	api.HandleFunc("POST /play/api/people", p.addPerson)
	api.HandleFunc("GET /play/api/chat", p.chat)
	api.HandleFunc("POST /play/api/send", p.send)
	api.HandleFunc("POST /play/api/press", p.press)
	api.HandleFunc("POST /play/api/pay", p.pay)
	api.HandleFunc("GET /play/api/file/{id}", p.file)
	api.HandleFunc("GET /play/api/fragment", p.fragmentState)
	api.HandleFunc("POST /play/api/login", p.logIn)
	mux.Handle("/play/api/", http.NewCrossOriginProtection().Handler(api))
}

// page sets the headers of the page and its files.
func page(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", pageCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

func (p *Page) index(w http.ResponseWriter, r *http.Request) {
	http.ServeFileFS(w, r, webFiles, "web/index.html")
}

// State is what the page needs to start: who the bot is, who can talk to
// it, and where things are.
type State struct {
	Bot          string   `json:"bot"` // @username
	BotName      string   `json:"bot_name"`
	Owner        int64    `json:"owner"`
	People       []Person `json:"people"`
	Wallet       string   `json:"wallet"` // the address invoices are paid to
	Dir          string   `json:"dir"`
	Introspected string   `json:"introspection"` // where the engine's actors are shown
}

func (p *Page) state(w http.ResponseWriter, _ *http.Request) {
	bot := p.parts.BotAPI.Bot()
	writeJSON(w, http.StatusOK, State{Bot: "@" + bot.Username, BotName: bot.FirstName, Owner: int64(p.parts.People.Owner()),
		People: p.parts.People.All(), Wallet: p.parts.Wallet.Address(), Dir: p.parts.Dir, Introspected: "/actors"})
}

func (p *Page) addPerson(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
		Lang string `json:"lang"`
		Role Role   `json:"role"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	q, err := p.parts.People.Add(r.Context(), req.Name, req.Lang, req.Role)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, q)
}

// ChatView is one poll of a chat: unchanged since the cursor, or the whole
// chat as it is now and the toasts raised since.
type ChatView struct {
	Version  uint64        `json:"version"` // the cursor for the next poll
	Changed  bool          `json:"changed"`
	Messages []MessageView `json:"messages,omitempty"`
	Toasts   []Toast       `json:"toasts,omitempty"`
	Commands []Command     `json:"commands,omitempty"`
}

// Command is one of the bot's commands, as its menu shows them.
type Command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

func (p *Page) chat(w http.ResponseWriter, r *http.Request) {
	q, ok := p.person(w, r.URL.Query().Get("user"))
	if !ok {
		return
	}
	after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	version, msgs, toasts := p.parts.Chats.Chat(q.ID, after)
	v := ChatView{Version: version, Changed: version != after, Toasts: toasts}
	if v.Changed {
		v.Messages = make([]MessageView, 0, len(msgs))
		for _, m := range msgs {
			v.Messages = append(v.Messages, viewOf(m, p.parts.Wallet.payee()))
		}
		v.Commands = p.commands(q.Lang)
	}
	writeJSON(w, http.StatusOK, v)
}

// commands are the bot's commands in a language, else its default ones.
func (p *Page) commands(lang string) []Command {
	cmds := p.parts.BotAPI.Commands(lang)
	if len(cmds) == 0 {
		cmds = p.parts.BotAPI.Commands("")
	}
	out := make([]Command, len(cmds))
	for i, c := range cmds {
		out[i] = Command{Command: c.Command, Description: c.Description}
	}
	return out
}

func (p *Page) send(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User string `json:"user"`
		Text string `json:"text"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	q, ok := p.person(w, req.User)
	if !ok {
		return
	}
	text := strings.TrimSpace(req.Text)
	if n := utf8.RuneCountInString(text); n == 0 || n > 4096 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "a message is 1 to 4096 characters"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"update_id": p.parts.BotAPI.SendText(q.user(), text)})
}

func (p *Page) press(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User    string `json:"user"`
		Message int    `json:"message"`
		Data    string `json:"data"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	q, ok := p.person(w, req.User)
	if !ok {
		return
	}
	id, err := p.parts.BotAPI.PressButton(q.user(), req.Message, req.Data)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"query_id": id})
}

func (p *Page) pay(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User string `json:"user"`
		Code string `json:"code"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	q, ok := p.person(w, req.User)
	if !ok {
		return
	}
	paid, err := p.parts.Wallet.Pay(r.Context(), q.ID, req.Code)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, paid)
}

// file serves a picture or document the bot sent.
func (p *Page) file(w http.ResponseWriter, r *http.Request) {
	f, ok := p.parts.BotAPI.File(r.PathValue("id"))
	if !ok || len(f.Data) == 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.MIMEType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Cache-Control", "private, max-age=3600, immutable") // a file_id never changes
	if !strings.HasPrefix(f.MIMEType, "image/") {
		w.Header().Set("Content-Disposition", "attachment")
	}
	_, _ = w.Write(f.Data)
}

// fragmentState is the simulated Telegram app's view: every number, whether
// its login codes reach Fragment and how many sessions it has.
func (p *Page) fragmentState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]FragmentNumber{"numbers": p.parts.Fragment.Numbers(r.Context(), p.parts.Catalogue)})
}

// logIn is the simulated app's "Log in with this number". The answer
// carries the code for tests; the page does not show it: the renter reads
// it through the bot, as on Telegram.
func (p *Page) logIn(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Number string `json:"number"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	listed := func(n FragmentNumber) bool { return n.Number == req.Number }
	if !slices.ContainsFunc(p.parts.Fragment.Numbers(r.Context(), p.parts.Catalogue), listed) {
		fail(w, ErrUnknownNumber)
		return
	}
	code, err := p.parts.Fragment.LogIn(req.Number)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"code": code})
}

// person finds the person a request names by id, or answers 404.
func (p *Page) person(w http.ResponseWriter, id string) (Person, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	q, ok := p.parts.People.Get(n)
	if err != nil || !ok {
		fail(w, ErrUnknownPerson)
		return Person{}, false
	}
	return q, true
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send application/json"})
		return false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON: " + err.Error()})
		return false
	}
	return true
}

// fail answers an error with its status: what the person got wrong is 4xx.
func fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrUnknownPerson), errors.Is(err, ErrUnknownNumber), errors.Is(err, domain.ErrInvoiceNotFound), errors.Is(err, actors.ErrNoEntity):
		code = http.StatusNotFound
	case errors.Is(err, ErrNotYours):
		code = http.StatusForbidden
	case errors.Is(err, telegramtest.ErrNoMessage), errors.Is(err, telegramtest.ErrNoButton):
		code = http.StatusConflict
	case errors.Is(err, ErrBadPerson), errors.Is(err, domain.ErrBadCode):
		code = http.StatusBadRequest
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
