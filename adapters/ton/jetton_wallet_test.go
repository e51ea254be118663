package ton_test

import (
	"context"
	"errors"
	"testing"

	"github.com/xssnick/tonutils-go/address"
	tonapi "github.com/xssnick/tonutils-go/ton"
	"github.com/xssnick/tonutils-go/tvm/cell"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
)

var usdtMaster = address.MustParseAddr(ton.USDTMaster)

func TestResolveJettonWallet(t *testing.T) {
	m := &tontest.JettonMaster{Master: usdtMaster}
	got, err := ton.ResolveJettonWallet(context.Background(), m, usdtMaster, wallet)
	if err != nil {
		t.Fatalf("ResolveJettonWallet: %v", err)
	}
	if want := tontest.JettonWalletOf(usdtMaster, wallet); !got.Equals(want) || m.Calls() != 1 {
		t.Errorf("got %v after %d calls, want %v", got, m.Calls(), want)
	}
	other, err := ton.ResolveJettonWallet(context.Background(), m, usdtMaster, alice)
	if err != nil || other.Equals(got) {
		t.Errorf("alice's jetton wallet %v (%v) is ours", other, err)
	}
}

// runner is a GetMethodRunner that answers every get-method with res.
type runner struct {
	res *tonapi.ExecutionResult
	err error
}

func (r runner) CurrentMasterchainInfo(context.Context) (*tonapi.BlockIDExt, error) {
	return &tonapi.BlockIDExt{SeqNo: 1}, nil
}

func (r runner) RunGetMethod(context.Context, *tonapi.BlockIDExt, *address.Address, string, ...any) (*tonapi.ExecutionResult, error) {
	return r.res, r.err
}

func TestResolveJettonWallet_Errors(t *testing.T) {
	ctx := context.Background()
	injected := errors.New("liteserver down")
	slice := func(a *address.Address) *tonapi.ExecutionResult {
		return tonapi.NewExecutionResult([]any{cell.BeginCell().MustStoreAddr(a).EndCell().BeginParse()})
	}
	tests := []struct {
		name string
		r    ton.GetMethodRunner
		wErr error
	}{
		{"no chain", nil, ton.ErrDisabled},
		{"head fails", &tontest.JettonMaster{Master: usdtMaster, Fault: func(string) error { return injected }}, injected},
		{"get-method fails", runner{err: injected}, injected},
		{"wrong contract", &tontest.JettonMaster{Master: tontest.Address("other master")}, tontest.ErrNoMethod},
		{"no answer", runner{}, ton.ErrJettonWallet},
		{"empty stack", runner{res: tonapi.NewExecutionResult(nil)}, ton.ErrJettonWallet},
		{"not a slice", runner{res: tonapi.NewExecutionResult([]any{cell.BeginCell().EndCell()})}, ton.ErrJettonWallet},
		{"addr_none", runner{res: slice(address.NewAddressNone())}, ton.ErrJettonWallet},
		{"empty slice", runner{res: tonapi.NewExecutionResult([]any{cell.BeginCell().EndCell().BeginParse()})}, ton.ErrJettonWallet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := ton.ResolveJettonWallet(ctx, tt.r, usdtMaster, wallet)
			if !errors.Is(err, tt.wErr) || w != nil {
				t.Errorf("got %v, %v; want %v", w, err, tt.wErr)
			}
		})
	}
}
