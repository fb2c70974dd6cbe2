// The Reports screen's document (engagementReport), kept apart from documents.js only so that it
// can be checked on its own; tests/clients/test_web_app.py validates it like every other one.
const gql = String.raw;

const COUNTS = `sent delivered opened clicked replied bounced openRate clickRate replyRate bounceRate`;

export const ENGAGEMENT_REPORT = gql`
  query EngagementReport(
    $groupBy: ReportInterval!, $by: ReportDimension!, $range: ReportRange!, $filter: EngagementReportFilter
  ) {
    engagementReport(groupBy: $groupBy, by: $by, range: $range, filter: $filter) {
      groupBy by timeZone from to periods
      total { ${COUNTS} }
      series {
        key label
        total { ${COUNTS} }
        points { start counts { sent opened clicked replied bounced } }
      }
    }
  }`;
