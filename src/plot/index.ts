/** SVG charts (browser-safe, no dependencies). */
export * from './svg.js';
export * from './charts.js';
export { evaluationCharts, type EvaluationChartOptions, type EvaluationCharts } from './eval-charts.js';
export { renderEvaluationReport, classificationReportHtml, type EvaluationReportOptions } from './eval-report.js';
