// Analyses computed in TypeScript (forecasting, recommendations): the analysis types whose
// fleet.analysis_types.engine is 'ts'. Each gets the open transaction and returns a JSON value.
import type { TransactionSql } from "postgres";
import { analyzeAndPlot } from "../analyses/analyzeAndPlot.js";
import { recommendations, recommendationsDetail } from "../recommend/index.js";

export type Tx = TransactionSql<Record<string, never>>;
export interface TsAnalysisContext {
  tx: Tx;
  clientId: string;
  asOf: string;
}
export type TsAnalysis = (ctx: TsAnalysisContext) => Promise<unknown>;

/** Registered TS analyses by analysis_type; an analysis_types row with engine 'ts' missing here is skipped with a warning. */
export const tsAnalyses: Record<string, TsAnalysis> = {
  analyze_and_plot: analyzeAndPlot,
  recommendations,
  recommendations_detail: recommendationsDetail,
};
