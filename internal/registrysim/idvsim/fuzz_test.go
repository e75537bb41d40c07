package idvsim

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzHandler sends arbitrary requests to one simulator (sessions created
// along the way are kept): it must never panic nor answer 5xx.
func FuzzHandler(f *testing.F) {
	sim, err := New(context.Background(), Config{DisableAuth: true})
	if err != nil {
		f.Fatal(err)
	}
	h := sim.Handler()
	mp := "--B\r\nContent-Disposition: form-data; name=\"session_id\"\r\n\r\nses_0\r\n--B\r\nContent-Disposition: form-data; name=\"latitude\"\r\n\r\n1\r\n--B\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\r\n--B--\r\n"
	seeds := []struct{ path, body, ctype string }{
		{PathSessionCreate, `{"metadata":{"transaction_id":"t"},"liveness_mode":"passive","settings":{"perform_ofac_test":true,"aamva_retry_e":"skip"}}`, "application/json"},
		{PathSessionList, `{"take":5,"skip":0,"metadata":{"transaction_id":"t"},"status":"complete","client_id":["a"]}`, "application/json"},
		{PathSessionRead, `{"session_id":"ses_0"}`, "application/json"},
		{PathSDKConsent, `{"session_id":"ses_0","consented":true}`, "application/json"},
		{PathSDKMetadataUpdate, `{"session_id":"ses_0","sdk_metadata":{"holder":{"last_name":1}}}`, "application/json"},
		{PathSDKDocumentType, `{"session_id":"ses_0","document_type_e":"passport"}`, "application/json"},
		{PathSDKDocumentFront, mp, "multipart/form-data; boundary=B"},
		{PathSDKLivenessProcess, `{"session_id":"ses_0","latitude":1,"longitude":2,"images":["/9j/"]}`, "application/json"},
		{PathSDKFinalize, `{"session_id":"ses_0","settings":{"ocr_name_match_fail":true}}`, "application/json"},
		{PathSessionLocationRead, `{"session_id":"ses_0","location_capture_type_e":"selfie_image_capture"}`, "application/json"},
		{PathDocumentDownload, `{"session_id":"ses_0","storage_file_type_e":"passport_front"}`, "application/json"},
	}
	for _, s := range seeds {
		f.Add(s.path, []byte(s.body), s.ctype)
	}
	f.Fuzz(func(t *testing.T, path string, body []byte, ctype string) {
		if len(path) == 0 || path[0] != '/' || path == FaultsPath {
			return
		}
		req, err := http.NewRequest(http.MethodPost, "http://sim"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", ctype)
		req.Header.Set(ClientIDHeader, "anonymous")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s answered %d: %s", path, w.Code, w.Body.Bytes())
		}
	})
}
