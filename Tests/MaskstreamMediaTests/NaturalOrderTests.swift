import Testing
@testable import MaskstreamMedia

@Suite struct NaturalOrderTests {
    /// (smaller, larger) pairs.
    static let pairs: [(String, String)] = [
        ("img2.jpg", "img10.jpg"),
        ("img1.jpg", "img2.jpg"),
        ("frame9.png", "frame10.png"),
        ("00007.jpg", "00010.jpg"),
        ("7.jpg", "007.jpg"),
        ("a.jpg", "b.jpg"),
        ("img.jpg", "img1.jpg"),
        ("seq2/img100.png", "seq10/img1.png"),
        ("x99y", "x100"),
        ("B.jpg", "a.jpg"),
    ]

    @Test(arguments: pairs)
    func ordersNumbersByValue(_ pair: (String, String)) {
        let (a, b) = pair
        #expect(NaturalOrder.areInIncreasingOrder(a, b), "\(a) < \(b)")
        #expect(!NaturalOrder.areInIncreasingOrder(b, a), "not \(b) < \(a)")
        #expect(!NaturalOrder.areInIncreasingOrder(a, a), "irreflexive")
    }

    @Test func sortsADavisStyleFolder() {
        let names = ["img10.jpg", "img2.jpg", "img1.jpg", "img21.jpg", "img3.jpg"]
        #expect(names.sorted(by: NaturalOrder.areInIncreasingOrder)
            == ["img1.jpg", "img2.jpg", "img3.jpg", "img10.jpg", "img21.jpg"])
    }
}
