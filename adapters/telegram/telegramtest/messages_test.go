package telegramtest

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/mymmrac/telego"
	tu "github.com/mymmrac/telego/telegoutil"
)

func TestServer_ButtonFlow(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	ctx := testContext(t)
	srv.AddUser(alice)

	msg := sendText(t, bot, alice.ID, "Pick a number", keyboard("n:1", "n:2"))
	if msg.MessageID == 0 || msg.Date == 0 || msg.From.ID != srv.Bot().ID || msg.Chat.ID != alice.ID ||
		msg.ReplyMarkup == nil || len(msg.ReplyMarkup.InlineKeyboard[0]) != 2 {
		t.Fatalf("sent = %+v", msg)
	}
	qid, err := srv.PressButton(alice, msg.MessageID, "n:2")
	if err != nil {
		t.Fatalf("PressButton: %v", err)
	}
	answer := &telego.AnswerCallbackQueryParams{CallbackQueryID: qid, Text: "Reserved"}
	if err := bot.AnswerCallbackQuery(ctx, answer); err != nil {
		t.Fatalf("AnswerCallbackQuery: %v", err)
	}
	edited, err := bot.EditMessageText(ctx, &telego.EditMessageTextParams{
		ChatID: tu.ID(alice.ID), MessageID: msg.MessageID, Text: "You took n:2",
	})
	if err != nil || edited.EditDate == 0 || edited.Text != "You took n:2" || edited.ReplyMarkup != nil {
		t.Fatalf("EditMessageText = %+v, %v; want new text, no keyboard", edited, err)
	}

	wantAPIError(t, bot.AnswerCallbackQuery(ctx, answer), 400, "query is too old")
	wantAPIError(t, bot.AnswerCallbackQuery(ctx, &telego.AnswerCallbackQueryParams{CallbackQueryID: "1"}), 400, "query ID is invalid")
	if a, ok := srv.Answer(qid); !ok || a.Text != "Reserved" || a.MessageID != msg.MessageID {
		t.Fatalf("Answer = %+v, %v", a, ok)
	}
	got := srv.Messages(alice.ID)
	if len(got) != 1 || got[0].Text != "You took n:2" || len(got[0].Keyboard) != 0 || got[0].EditDate.IsZero() {
		t.Fatalf("Messages = %+v", got)
	}
	if _, err := srv.PressButton(alice, msg.MessageID, "n:1"); !errors.Is(err, ErrNoButton) {
		t.Fatalf("press on a removed keyboard: %v, want ErrNoButton", err)
	}
	if _, err := srv.PressButton(alice, 999, "n:1"); !errors.Is(err, ErrNoMessage) {
		t.Fatalf("press on a missing message: %v, want ErrNoMessage", err)
	}
}

func TestServer_SendMessageLimits(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	srv.AddUser(alice)
	for _, tc := range []struct {
		name, text, parseMode string
		markup                telego.ReplyMarkup
		wantErr               string
	}{
		{name: "4096 characters", text: strings.Repeat("a", 4096)},
		{name: "4097 characters", text: strings.Repeat("a", 4097), wantErr: "message is too long"},
		{name: "4096 emoji count as characters, not UTF-16 units", text: strings.Repeat("😀", 4096)},
		{name: "the limit applies after HTML parsing", text: "<b>" + strings.Repeat("a", 4096) + "</b>", parseMode: "HTML"},
		{name: "blank", text: " \n ", wantErr: "message text is empty"},
		{name: "callback_data of 64 bytes", text: "x", markup: keyboard(strings.Repeat("d", 64))},
		{name: "callback_data of 65 bytes", text: "x", markup: keyboard(strings.Repeat("d", 65)), wantErr: "BUTTON_DATA_INVALID"},
		{name: "33 Cyrillic letters are 66 bytes", text: "x", markup: keyboard(strings.Repeat("ж", 33)), wantErr: "BUTTON_DATA_INVALID"},
		{name: "a button must do something", text: "x", markup: tu.InlineKeyboard(tu.InlineKeyboardRow(tu.InlineKeyboardButton("t"))),
			wantErr: "Text buttons are unallowed in the inline keyboard"},
		{name: "url button", text: "x", markup: tu.InlineKeyboard(tu.InlineKeyboardRow(tu.InlineKeyboardButton("t").WithURL("https://t.me/x")))},
		{name: "unescaped < in HTML", text: "1 < 2", parseMode: "HTML", wantErr: "can't parse entities"},
		{name: "unknown parse mode", text: "x", parseMode: "BBCode", wantErr: "unsupported parse_mode"},
		{name: "Markdown is stored as sent", text: "*bold* 1 < 2", parseMode: "MarkdownV2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bot.SendMessage(testContext(t), &telego.SendMessageParams{
				ChatID: tu.ID(alice.ID), Text: tc.text, ParseMode: tc.parseMode, ReplyMarkup: tc.markup,
			})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("SendMessage: %v", err)
				}
				return
			}
			wantAPIError(t, err, 400, tc.wantErr)
		})
	}
	t.Run("answer text of 201 characters", func(t *testing.T) {
		menu := sendText(t, bot, alice.ID, "Menu", keyboard("x"))
		qid, err := srv.PressButton(alice, menu.MessageID, "x")
		if err != nil {
			t.Fatal(err)
		}
		err = bot.AnswerCallbackQuery(testContext(t), &telego.AnswerCallbackQueryParams{CallbackQueryID: qid, Text: strings.Repeat("я", 201)})
		wantAPIError(t, err, 400, "MESSAGE_TOO_LONG")
		err = bot.AnswerCallbackQuery(testContext(t), &telego.AnswerCallbackQueryParams{CallbackQueryID: qid, Text: strings.Repeat("я", 200)})
		if err != nil {
			t.Fatalf("200 characters: %v", err)
		}
	})
}

func TestServer_Edits(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	ctx := testContext(t)
	srv.AddUser(alice)
	msg := sendText(t, bot, alice.ID, "Same", keyboard("a"))
	id := tu.ID(alice.ID)

	_, err := bot.EditMessageText(ctx, &telego.EditMessageTextParams{ChatID: id, MessageID: msg.MessageID, Text: "Same", ReplyMarkup: keyboard("a")})
	wantAPIError(t, err, 400, "message is not modified")
	_, err = bot.EditMessageReplyMarkup(ctx, &telego.EditMessageReplyMarkupParams{ChatID: id, MessageID: msg.MessageID, ReplyMarkup: keyboard("a")})
	wantAPIError(t, err, 400, "message is not modified")
	if _, err := bot.EditMessageReplyMarkup(ctx, &telego.EditMessageReplyMarkupParams{ChatID: id, MessageID: msg.MessageID}); err != nil {
		t.Fatalf("removing the keyboard: %v", err)
	}
	_, err = bot.EditMessageReplyMarkup(ctx, &telego.EditMessageReplyMarkupParams{ChatID: id, MessageID: msg.MessageID})
	wantAPIError(t, err, 400, "message is not modified")
	_, err = bot.EditMessageCaption(ctx, &telego.EditMessageCaptionParams{ChatID: id, MessageID: msg.MessageID, Caption: "c"})
	wantAPIError(t, err, 400, "there is no caption in the message to edit")
	_, err = bot.EditMessageText(ctx, &telego.EditMessageTextParams{ChatID: id, MessageID: 999, Text: "x"})
	wantAPIError(t, err, 400, "message to edit not found")

	if err := bot.DeleteMessage(ctx, &telego.DeleteMessageParams{ChatID: id, MessageID: msg.MessageID}); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	wantAPIError(t, bot.DeleteMessage(ctx, &telego.DeleteMessageParams{ChatID: id, MessageID: msg.MessageID}), 400, "message to delete not found")
	if got := srv.Messages(alice.ID); len(got) != 0 {
		t.Fatalf("Messages after delete = %+v", got)
	}
	srv.SendText(alice, "my password is hunter2")
	ups, err := bot.GetUpdates(ctx, &telego.GetUpdatesParams{})
	if err != nil || len(ups) != 1 {
		t.Fatalf("GetUpdates = %v, %v", ups, err)
	}
	if err := bot.DeleteMessage(ctx, &telego.DeleteMessageParams{ChatID: id, MessageID: ups[0].Message.MessageID}); err != nil {
		t.Fatalf("deleting the person's message: %v", err)
	}
}

func TestServer_MessageIDsAreSharedPerChat(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	srv.AddUser(alice)
	srv.AddUser(boris)
	a1 := sendText(t, bot, alice.ID, "1", nil).MessageID
	srv.SendText(alice, "2")
	a3 := sendText(t, bot, alice.ID, "3", nil).MessageID
	b1 := sendText(t, bot, boris.ID, "1", nil).MessageID
	if a3 != a1+2 || b1 != 1 {
		t.Fatalf("message IDs alice %d, %d, boris %d; want per chat, shared with the person's", a1, a3, b1)
	}
}

func TestServer_HTML(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	srv.AddUser(alice)
	src := `<b>Номер</b> +888 0123 &lt;ok&gt; <a href="https://t.me/x?a=1&amp;b=2">pay</a>`
	m, err := bot.SendMessage(testContext(t), &telego.SendMessageParams{ChatID: tu.ID(alice.ID), Text: src, ParseMode: telego.ModeHTML})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	want := []telego.MessageEntity{
		{Type: "bold", Offset: 0, Length: 5},
		{Type: "text_link", Offset: 21, Length: 3, URL: "https://t.me/x?a=1&b=2"},
	}
	if m.Text != "Номер +888 0123 <ok> pay" || !equalish(m.Entities, want) {
		t.Fatalf("sent %q %+v", m.Text, m.Entities)
	}
	if got := srv.Messages(alice.ID)[0]; got.Source != src || got.ParseMode != telego.ModeHTML {
		t.Fatalf("transcript keeps %q in %q", got.Source, got.ParseMode)
	}
}

func TestServer_SendPhoto(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	ctx := testContext(t)
	srv.AddUser(alice)
	img := pngBytes(t, 40, 30)

	msg, err := bot.SendPhoto(ctx, &telego.SendPhotoParams{
		ChatID: tu.ID(alice.ID), Photo: tu.FileFromBytes(img, "qr.png"),
		Caption: "<b>Pay</b> here", ParseMode: telego.ModeHTML, ReplyMarkup: keyboard("paid"),
	})
	if err != nil {
		t.Fatalf("SendPhoto: %v", err)
	}
	if len(msg.Photo) != 1 || msg.Photo[0].Width != 40 || msg.Photo[0].Height != 30 || msg.Caption != "Pay here" ||
		len(msg.CaptionEntities) != 1 || msg.ReplyMarkup == nil {
		t.Fatalf("sent = %+v", msg)
	}
	got := srv.Messages(alice.ID)[0]
	if got.Photo == nil || !bytes.Equal(got.Photo.Data, img) || got.Photo.MIMEType != "image/png" || got.Text != "Pay here" {
		t.Fatalf("transcript photo = %+v", got.Photo)
	}
	if f, ok := srv.File(msg.Photo[0].FileID); !ok || !bytes.Equal(f.Data, img) {
		t.Fatalf("File(%s) = %v", msg.Photo[0].FileID, ok)
	}

	again, err := bot.SendPhoto(ctx, &telego.SendPhotoParams{ChatID: tu.ID(alice.ID), Photo: tu.FileFromID(msg.Photo[0].FileID)})
	if err != nil || again.Photo[0].FileID != msg.Photo[0].FileID {
		t.Fatalf("resend by file_id = %+v, %v", again, err)
	}
	byURL, err := bot.SendPhoto(ctx, &telego.SendPhotoParams{ChatID: tu.ID(alice.ID), Photo: tu.FileFromURL("https://example.com/a.png")})
	if err != nil || srv.Messages(alice.ID)[2].Photo.URL != "https://example.com/a.png" || byURL.Photo[0].FileID == "" {
		t.Fatalf("send by URL = %+v, %v", byURL, err)
	}
	_, err = bot.SendPhoto(ctx, &telego.SendPhotoParams{ChatID: tu.ID(alice.ID), Photo: tu.FileFromBytes([]byte("not a picture"), "x.png")})
	wantAPIError(t, err, 400, "IMAGE_PROCESS_FAILED")
	_, err = bot.SendPhoto(ctx, &telego.SendPhotoParams{ChatID: tu.ID(alice.ID), Photo: tu.FileFromID("no-such-file")})
	wantAPIError(t, err, 400, "wrong file identifier")
	_, err = bot.EditMessageText(ctx, &telego.EditMessageTextParams{ChatID: tu.ID(alice.ID), MessageID: msg.MessageID, Text: "x"})
	wantAPIError(t, err, 400, "there is no text in the message to edit")
	edited, err := bot.EditMessageCaption(ctx, &telego.EditMessageCaptionParams{ChatID: tu.ID(alice.ID), MessageID: msg.MessageID, Caption: "Paid"})
	if err != nil || edited.Caption != "Paid" || edited.ReplyMarkup != nil {
		t.Fatalf("EditMessageCaption = %+v, %v", edited, err)
	}
}

func TestServer_SendDocument(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	srv.AddUser(alice)
	csv := []byte("number,until\n+88801234567,2026-12-01\n")
	msg, err := bot.SendDocument(testContext(t), &telego.SendDocumentParams{
		ChatID: tu.ID(alice.ID), Document: tu.FileFromBytes(csv, "rentals.csv"), Caption: "Your rentals",
	})
	if err != nil || msg.Document == nil || msg.Document.FileName != "rentals.csv" || msg.Document.FileSize != int64(len(csv)) {
		t.Fatalf("SendDocument = %+v, %v", msg, err)
	}
	if got := srv.Messages(alice.ID)[0]; !bytes.Equal(got.Document.Data, csv) || got.Text != "Your rentals" {
		t.Fatalf("transcript document = %+v", got.Document)
	}
}

func TestServer_CommandsAndChatActions(t *testing.T) {
	srv := newServer(t)
	bot := newBot(t, srv)
	ctx := testContext(t)
	srv.AddUser(alice)
	cmds := []telego.BotCommand{{Command: "start", Description: "Start"}, {Command: "rent", Description: "Rent a number"}}
	if err := bot.SetMyCommands(ctx, &telego.SetMyCommandsParams{Commands: cmds, LanguageCode: "en"}); err != nil {
		t.Fatalf("SetMyCommands: %v", err)
	}
	if got := srv.Commands("en"); !equalish(got, cmds) {
		t.Fatalf("Commands = %+v", got)
	}
	err := bot.SetMyCommands(ctx, &telego.SetMyCommandsParams{Commands: []telego.BotCommand{{Command: "Rent", Description: "x"}}})
	wantAPIError(t, err, 400, "BOT_COMMAND_INVALID")

	if err := bot.SendChatAction(ctx, &telego.SendChatActionParams{ChatID: tu.ID(alice.ID), Action: telego.ChatActionTyping}); err != nil {
		t.Fatalf("SendChatAction: %v", err)
	}
	err = bot.SendChatAction(ctx, &telego.SendChatActionParams{ChatID: tu.ID(alice.ID), Action: "dancing"})
	wantAPIError(t, err, 400, "wrong parameter action")
}
