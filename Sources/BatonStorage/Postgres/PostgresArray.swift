import NIOCore
import PostgresNIO

/// A one-dimensional PostgreSQL array bound in the binary wire format, written in one pass.
///
/// postgres-nio encodes `[Int64]` or `[ByteBuffer]` element by element through generic
/// code, and a `ByteBuffer` per `bytea` element must be allocated first. The ledger binds
/// thousands of elements per transaction (records, hashes, index columns), where that
/// cost is a large share of an append's client time; this type sizes the array once and
/// copies the elements straight into the bind buffer. Bind it with a cast
/// (`unnest($1::int8[])`) so that the statement reads the same as with plain arrays.
public struct PostgresArray: PostgresDynamicTypeEncodable, Sendable {
    public let psqlType: PostgresDataType
    public var psqlFormat: PostgresFormat { .binary }

    private let elementType: PostgresDataType
    private let count: Int
    /// The bytes of the elements, each with its 4-byte length.
    private let byteCount: Int
    private let writeElements: @Sendable (UnsafeMutableRawBufferPointer) -> Void

    /// `bigint[]`.
    public static func int8(_ values: [Int64]) -> PostgresArray { fixedWidth(values, element: .int8, array: .int8Array) }

    /// `integer[]`.
    public static func int4(_ values: [Int32]) -> PostgresArray { fixedWidth(values, element: .int4, array: .int4Array) }

    /// `smallint[]`.
    public static func int2(_ values: [Int16]) -> PostgresArray { fixedWidth(values, element: .int2, array: .int2Array) }

    /// `bytea[]`.
    public static func bytea(_ values: [[UInt8]]) -> PostgresArray {
        PostgresArray(
            psqlType: .byteaArray, elementType: .bytea, count: values.count, byteCount: values.reduce(0) { $0 + 4 + $1.count }
        ) { output in
            var offset = 0
            for value in values {
                output.storeBytes(of: UInt32(value.count).bigEndian, toByteOffset: offset, as: UInt32.self)
                offset += 4
                value.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: output[offset..<offset + $0.count]).copyMemory(from: $0) }
                offset += value.count
            }
        }
    }

    private static func fixedWidth<Value: FixedWidthInteger & Sendable>(
        _ values: [Value], element: PostgresDataType, array: PostgresDataType
    ) -> PostgresArray {
        let width = MemoryLayout<Value>.size
        return PostgresArray(psqlType: array, elementType: element, count: values.count, byteCount: values.count * (4 + width)) { output in
            var offset = 0
            for value in values {
                output.storeBytes(of: UInt32(width).bigEndian, toByteOffset: offset, as: UInt32.self)
                output.storeBytes(of: value.bigEndian, toByteOffset: offset + 4, as: Value.self)
                offset += 4 + width
            }
        }
    }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        // Dimensions (0 for an empty array), flags (no nulls), element type; then the
        // dimension's length and lower bound, then each element as length and bytes.
        byteBuffer.writeInteger(count == 0 ? 0 : 1, as: Int32.self)
        byteBuffer.writeInteger(0, as: Int32.self)
        byteBuffer.writeInteger(elementType.rawValue)
        guard count > 0 else { return }
        byteBuffer.writeInteger(Int32(count))
        byteBuffer.writeInteger(1, as: Int32.self)
        byteBuffer.writeWithUnsafeMutableBytes(minimumWritableBytes: byteCount) { output in
            writeElements(output)
            return byteCount
        }
    }
}
