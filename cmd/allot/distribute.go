package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"allot/actors"
	"allot/adapters/sheets"
	"allot/adapters/sheets/csvstore"
	"allot/adapters/sheets/stocker"
	"allot/domain"
)

// distribution is the running stocker and what reports on its health.
type distribution struct {
	stocker *stocker.Stocker
	client  *sheets.Client // nil for CSV files
	where   string
}

// state is "off", "ok" or "degraded", for /readyz.
func (d *distribution) state() string {
	switch {
	case d == nil:
		return "off"
	case d.client != nil && !d.client.Healthy(), d.stocker.Status().ConsecutiveErrors > 0:
		return "degraded"
	}
	return "ok"
}

func (d *distribution) close() {
	if d == nil {
		return
	}
	if d.stocker != nil { // nil when the stocker failed to start
		d.stocker.Close()
	}
	if d.client != nil {
		_ = d.client.Close()
	}
}

// startDistribution starts the stocker on Google Sheets when they are
// configured, else on CSV files under DATA_DIR/sheets (created with each
// tab's header, for a person to fill). Without KINDS_FILE it does nothing.
func startDistribution(ctx context.Context, cfg config, eng *actors.Engine, log *slog.Logger, alert func(string)) (*distribution, error) {
	if len(cfg.Kinds.Kinds) == 0 {
		return nil, nil
	}
	d := &distribution{}
	var store stocker.Store
	stock, issued := cfg.Sheets.StockSpreadsheet, cfg.Sheets.IssuedSpreadsheet
	if cfg.Sheets.Enabled {
		c, err := sheets.NewClient(ctx, cfg.Sheets)
		if err != nil {
			return nil, fmt.Errorf("GOOGLE_CREDENTIALS: %w", err)
		}
		d.client, store, d.where = c, c, "Google Sheets"
		if cfg.Sheets.Endpoint != "" {
			d.where = "a fake Sheets API at " + cfg.Sheets.Endpoint
		}
	} else {
		dir := filepath.Join(cfg.DataDir, "sheets")
		stock, issued = sheets.FakeStockSpreadsheet, sheets.FakeIssuedSpreadsheet
		if err := csvstore.WriteSample(dir, stock, headers(cfg.Kinds, true)); err != nil {
			return nil, err
		}
		if err := csvstore.WriteSample(dir, issued, headers(cfg.Kinds, false)); err != nil {
			return nil, err
		}
		s, err := csvstore.Open(dir)
		if err != nil {
			return nil, err
		}
		store, d.where = s, "CSV files in "+dir
	}
	st, err := stocker.Start(eng, stocker.Options{Store: store, StockSheet: stock, IssuedSheet: issued,
		Location: cfg.StockLocation, Alert: alert, Log: log})
	if err != nil {
		d.close()
		return nil, err
	}
	d.stocker = st
	log.Info("distribution is on", "kinds", len(cfg.Kinds.Kinds), "stock", d.where)
	return d, nil
}

// headers are the tabs a CSV store starts with: each stock tab with its
// columns and the proxies tab, or each issued tab empty. Existing files are left alone.
func headers(k domain.KindsConfig, stock bool) map[string][][]string {
	tabs := map[string][][]string{}
	if stock && k.ProxyTab != "" {
		tabs[k.ProxyTab] = [][]string{{"id", "proxy", "type", "address", "resources", "country", "status", "holder", "expires", "written"}}
	}
	for _, kind := range k.Kinds {
		if !stock {
			tabs[kind.IssuedTab] = nil
			continue
		}
		for _, t := range kind.StockTabs() {
			tabs[t.Tab] = [][]string{kind.Columns}
		}
	}
	return tabs
}
