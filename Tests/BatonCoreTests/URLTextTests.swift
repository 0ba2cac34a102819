import BatonCore
import Testing

@Suite("URLText: form bodies and queries")
struct URLTextTests {
    @Test("a form decodes '+' as a space and percent-escapes as UTF-8; the last of a repeated name wins")
    func formDecoding() {
        let fields = URLText.formDecoded("state=%22%3E%3Cscript%3E&scope=openid+offline_access&name=J%C3%BCrgen&empty&state2=&scope=profile")
        #expect(fields["state"] == #""><script>"#)
        #expect(fields["scope"] == "profile")
        #expect(fields["name"] == "Jürgen")
        #expect(fields["empty"] == "")
        #expect(fields["state2"] == "")
    }

    @Test("what formEncoded writes, formDecoded reads back")
    func roundTrip() {
        let fields = ["redirect_uri": "http://127.0.0.1:53682/cb?x=1&y=2", "note": "a b+c=d", "unicode": "ñ✓"]
        #expect(URLText.formDecoded(URLText.formEncoded(fields)) == fields)
    }

    @Test("a pair whose name is not valid percent-encoding is skipped")
    func invalidName() {
        #expect(URLText.formDecoded("good=1&bad%zz=2") == ["good": "1"])
    }
}
