package telegramtest

import (
	"bytes"
	"context"
	"image"
	_ "image/gif" // photos are checked the way Telegram checks them: by decoding
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"strings"
)

func (s *Server) sendPhoto(_ context.Context, c *call) (result, *apiError) {
	f, e := s.inputFile(c, "photo", string(c.p.Photo))
	if e != nil {
		return result{}, e
	}
	if f.ID == "" && f.URL == "" {
		if e := measurePhoto(f); e != nil {
			return result{}, e
		}
	}
	return s.sendMedia(c, Message{Photo: f})
}

func (s *Server) sendDocument(_ context.Context, c *call) (result, *apiError) {
	f, e := s.inputFile(c, "document", string(c.p.Document))
	if e != nil {
		return result{}, e
	}
	return s.sendMedia(c, Message{Document: f})
}

// sendMedia adds the caption and keyboard and sends.
func (s *Server) sendMedia(c *call, m Message) (result, *apiError) {
	t, e := parseText(string(c.p.Caption), string(c.p.ParseMode), c.p.CaptionEntities, maxCaptionLen, "message caption is too long")
	if e != nil {
		return result{}, e
	}
	mk, e := parseMarkup(c.p.ReplyMarkup)
	if e != nil {
		return result{}, e
	}
	m.Text, m.Entities, m.Source, m.ParseMode = t.plain, t.entities, t.source, t.parseMode
	m.Keyboard, m.ReplyKeyboard = mk.inline, mk.reply
	return s.add(c.p.ChatID, m)
}

// inputFile finds the file a send names: uploaded in the field itself or
// through "attach://name", an http(s) URL, or the file_id of a file sent
// before. Only an upload has bytes.
func (s *Server) inputFile(c *call, field, arg string) (*File, *apiError) {
	if up := c.files[field]; up != nil {
		return fileOf(up), nil
	}
	if name, ok := strings.CutPrefix(arg, "attach://"); ok {
		if up := c.files[name]; up != nil {
			return fileOf(up), nil
		}
		return nil, badRequest("wrong file identifier/HTTP URL specified")
	}
	if arg == "" {
		return nil, badRequest("there is no " + field + " in the request")
	}
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
		return &File{URL: arg}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.files[arg]; f != nil {
		cp := *f
		return &cp, nil
	}
	return nil, badRequest("wrong file identifier/HTTP URL specified")
}

func fileOf(up *upload) *File {
	mime := up.contentType
	if mime == "" || mime == "application/octet-stream" {
		mime = http.DetectContentType(up.data)
	}
	return &File{Name: up.name, MIMEType: mime, Data: up.data, Size: len(up.data)}
}

// measurePhoto reads an uploaded photo's size, refusing what Telegram
// refuses: bytes that are not a picture, and extreme dimensions.
func measurePhoto(f *File) *apiError {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(f.Data))
	if err != nil {
		return badRequest("IMAGE_PROCESS_FAILED")
	}
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 || w+h > 10000 || max(w, h) > 20*min(w, h) {
		return badRequest("PHOTO_INVALID_DIMENSIONS")
	}
	f.Width, f.Height = w, h
	return nil
}
