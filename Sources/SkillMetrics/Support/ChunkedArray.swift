/// An array kept in blocks of 4,096 elements: appending never moves the elements already
/// there, so a growing array's peak memory is its size plus one block. (A Swift `Array`
/// doubles its buffer and copies into it: for a moment it holds its elements twice, which is
/// the peak of a fold whose rows grow with the log.)
struct ChunkedArray<Element>: RandomAccessCollection {
    private static var blockShift: Int { 12 }
    private static var blockMask: Int { (1 << blockShift) - 1 }

    private var blocks: [[Element]] = []
    private(set) var count = 0

    init() {}

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(position: Int) -> Element {
        get { blocks[position >> Self.blockShift][position & Self.blockMask] }
        _modify { yield &blocks[position >> Self.blockShift][position & Self.blockMask] }
    }

    mutating func append(_ element: Element) {
        if count & Self.blockMask == 0 {
            var block: [Element] = []
            block.reserveCapacity(Self.blockMask + 1)
            blocks.append(block)
        }
        blocks[blocks.count - 1].append(element)
        count += 1
    }

    /// Frees the blocks that hold only elements before `position`; those elements must not be
    /// read again (the positions, and `count`, stay as they were).
    mutating func releaseBlocks(below position: Int) {
        let end = Swift.min(position >> Self.blockShift, blocks.count)
        while released < end {
            blocks[released] = []
            released += 1
        }
    }

    /// Blocks freed by ``releaseBlocks(below:)``, from the first.
    private var released = 0
}

extension ChunkedArray: Sendable where Element: Sendable {}
