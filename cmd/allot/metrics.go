package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"allot/actors"
	"allot/adapters/httpapi"
	"allot/adapters/sheets"
	"allot/adapters/telegram"
)

// metricCollectors are the adapters' series for /metrics, beside the
// engine's: the bot's (read through bot, which returns nil until the bot
// has started), Google Sheets' and the distribution's. dist is nil when
// the distribution is off; its client is nil on CSV files. rel (nil when
// off) gives the Fragment client's series beside the engine's hand-overs.
func metricCollectors(eng *actors.Engine, dist *distribution, rel *relay, bot func() *telegram.Bot) []prometheus.Collector {
	var stock httpapi.StockSource
	var client *sheets.Client
	if dist != nil {
		stock, client = dist.stocker, dist.client
	}
	return []prometheus.Collector{telegram.NewCollector(bot), sheets.NewCollector(client),
		httpapi.NewDistributionCollector(eng, stock), httpapi.NewRelayCollector(eng, rel.fragmentCounts())}
}
