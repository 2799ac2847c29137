/** Writes `rows` rows of 4 numeric features and a 3-class label to `file`; resolves to its size in bytes. */
export declare function writeBigCsv(file: string, rows: number, seed?: number): Promise<number>;
