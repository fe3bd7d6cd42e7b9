/** Thrown for input that cannot be forecast (empty series, bad JSON, out-of-range options). */
export class ForecastInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForecastInputError";
  }
}
