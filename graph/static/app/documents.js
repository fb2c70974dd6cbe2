// Every GraphQL document the app sends, in one module: the public API's queries, mutations and
// subscriptions, exactly what a third-party client would write. tests/clients/test_web_app.py
// extracts each `gql` string and validates it against schema.graphql, so a breaking schema change
// fails the build before it breaks the app.
const gql = String.raw;

const EMAIL_ROW = `
  id subject to status folder statusAt viewCount clickCount replyCount
  person { id fullName } campaign { id name }`;

export const ME = gql`
  query Me {
    me { id name email role timezone team { name } }
  }`;

export const FOLDER_COUNTS = gql`
  query FolderCounts {
    folderCounts { id sent pending undelivered statuses { status folder count } }
  }`;

export const FOLDER_COUNTS_CHANGED = gql`
  subscription FolderCountsChanged {
    folderCountsChanged { id sent pending undelivered statuses { status folder count } }
  }`;

export const EMAILS = gql`
  query Emails($folder: EmailFolder, $status: EmailStatus, $filter: EmailFilter, $after: String) {
    emails(folder: $folder, status: $status, filter: $filter, first: 25, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ${EMAIL_ROW} } }
    }
  }`;

export const EMAIL_CHANGES = gql`
  subscription EmailChanges($since: String) {
    emailStatusChanged(since: $since) {
      cursor emailId kind previousStatus newStatus previousFolder folder occurredAt
      email { ${EMAIL_ROW} }
    }
  }`;

// The pickers search the whole team, by what the user types (never a fixed first page).
export const PEOPLE_SEARCH = gql`
  query PeopleSearch($text: String) {
    people(filter: { text: $text }, first: 20) {
      nodes { id fullName email timezone unsubscribed deliverability { status } }
    }
  }`;

export const TEMPLATES_SEARCH = gql`
  query TemplatesSearch($text: String) {
    templates(filter: { text: $text }, first: 20) { nodes { id name subject bodyHtml bodyText } }
  }`;

export const CAMPAIGNS_SEARCH = gql`
  query CampaignsSearch($text: String) {
    campaigns(filter: { text: $text }, first: 20) { nodes { id name status } }
  }`;

export const EMAIL = gql`
  query Email($id: ID!) {
    email(id: $id) {
      id subject to cc status folder statusAt scheduledAt sentAt deliveredAt version
      bodyText failureCode failureDetail availableActions
      viewCount machineViewCount clickCount machineClickCount replyCount
      person { id fullName email timezone deliverability { status reason } }
      campaign { id name } template { id name }
      replies { from receivedAt subject text automatic }
    }
  }`;

// An email's history, oldest first, 100 events a page.
export const EMAIL_EVENTS = gql`
  query EmailEvents($id: ID!, $after: String) {
    email(id: $id) {
      id
      events(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id kind occurredAt machine newStatus data actor { name } }
      }
    }
  }`;

export const SEND_NOW = gql`
  mutation SendNow($input: SendEmailNowInput!) {
    sendEmailNow(input: $input) { email { id status } userErrors { field message code } }
  }`;

export const UNSCHEDULE = gql`
  mutation Unschedule($input: UnscheduleEmailInput!) {
    unscheduleEmail(input: $input) { email { id status } userErrors { field message code } }
  }`;

export const ARCHIVE = gql`
  mutation Archive($input: ArchiveEmailInput!) {
    archiveEmail(input: $input) { email { id status } userErrors { field message code } }
  }`;

export const UNARCHIVE = gql`
  mutation Unarchive($input: UnarchiveEmailInput!) {
    unarchiveEmail(input: $input) { email { id status } userErrors { field message code } }
  }`;

export const RETRY = gql`
  mutation Retry($input: RetryEmailInput!) {
    retryEmail(input: $input) { email { id status } userErrors { field message code } }
  }`;

export const DELETE = gql`
  mutation Delete($input: DeleteEmailInput!) {
    deleteEmail(input: $input) { deletedEmailId userErrors { field message code } }
  }`;

export const SCHEDULE = gql`
  mutation Schedule($input: ScheduleEmailInput!) {
    scheduleEmail(input: $input) {
      email { id status scheduledAt }
      sendTime { localTime timeZone timeZoneSource sendAt dstAdjustment }
      userErrors { field message code }
    }
  }`;

export const CLEAR_BOUNCE = gql`
  mutation ClearBounce($input: ClearBouncedAddressInput!) {
    clearBouncedAddress(input: $input) {
      person { id deliverability { status } }
      userErrors { field message code }
    }
  }`;

export const UPDATE_DRAFT = gql`
  mutation UpdateDraft($input: UpdateDraftInput!) {
    updateDraft(input: $input) { email { id status version } userErrors { field message code } }
  }`;

export const PREVIEW = gql`
  query Preview($input: PreviewEmailInput!) {
    previewEmail(input: $input) {
      subject text sendable problems { code field message }
    }
  }`;

export const CREATE_DRAFT = gql`
  mutation CreateDraft($input: CreateDraftInput!) {
    createDraft(input: $input) { email { id status version } userErrors { field message code } }
  }`;

export const TASK_COUNTS = gql`
  query TaskCounts {
    taskCounts { id today overdue upcoming completed }
  }`;

export const TASK_COUNTS_CHANGED = gql`
  subscription TaskCountsChanged {
    taskCountsChanged { id today overdue upcoming completed }
  }`;

export const TASKS = gql`
  query Tasks($view: TaskView!, $after: String) {
    me { id timezone workingHours { start } }
    tasks(view: $view, first: 50, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id type title priority dueAt status snoozed person { fullName } }
    }
  }`;

export const REOPEN_TASK = gql`
  mutation ReopenTask($input: ReopenTaskInput!) {
    reopenTask(input: $input) { task { id status } userErrors { field message code } }
  }`;

export const TASK_CHANGED = gql`
  subscription TaskChanged {
    taskChanged { kind taskId occurredAt }
  }`;

export const COMPLETE_TASK = gql`
  mutation CompleteTask($input: CompleteTaskInput!) {
    completeTask(input: $input) { task { id status } userErrors { field message code } }
  }`;

export const SKIP_TASK = gql`
  mutation SkipTask($input: SkipTaskInput!) {
    skipTask(input: $input) { task { id status } userErrors { field message code } }
  }`;

export const SNOOZE_TASK = gql`
  mutation SnoozeTask($input: SnoozeTaskInput!) {
    snoozeTask(input: $input) { task { id snoozed } userErrors { field message code } }
  }`;

export const SAVED_SEARCHES = gql`
  query SavedSearches {
    savedSearches(first: 50) { nodes { id name count } }
  }`;

export const SAVED_SEARCH = gql`
  query SavedSearch($id: ID!) {
    savedSearch(id: $id) {
      id name count
      emails(first: 50) { nodes { ${EMAIL_ROW} } }
    }
  }`;

export const SAVE_SEARCH = gql`
  mutation SaveSearch($input: SaveSearchInput!) {
    saveSearch(input: $input) { savedSearch { id name } userErrors { field message code } }
  }`;

export const SEARCH_PREVIEW = gql`
  query SearchPreview($filter: EmailFilter) {
    emails(filter: $filter, first: 25) { totalCount nodes { ${EMAIL_ROW} } }
  }`;

export const SAVED_SEARCH_MATCHES = gql`
  subscription SavedSearchMatches($id: ID!) {
    savedSearchMatches(id: $id) { kind emailId at email { ${EMAIL_ROW} } }
  }`;

export const FOLLOW_UP = gql`
  mutation FollowUp($input: CreateFollowUpTaskInput!) {
    createFollowUpTask(input: $input) { task { id } userErrors { field message code } }
  }`;

export const ADD_TO_CAMPAIGN = gql`
  mutation AddToCampaign($input: AddPeopleToCampaignInput!) {
    addPeopleToCampaign(input: $input) { added capped userErrors { field message code } }
  }`;

export const CAMPAIGNS = gql`
  query Campaigns($after: String) {
    campaigns(first: 50, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id name status shared owner { name } steps { id } stats { total { people sent replied } } }
    }
  }`;

const STEP_STATS = `step people sent delivered opened clicked replied bounced unsubscribed openRate clickRate replyRate`;

export const CAMPAIGN = gql`
  query Campaign($id: ID!, $state: CampaignMembershipState) {
    campaign(id: $id) {
      id name status viewerCanEdit
      steps { id position kind delayDays subject title replyInThread }
      stats { steps { ${STEP_STATS} } total { ${STEP_STATS} } }
      members(first: 0, filter: { state: $state }) { totalCount }
      all: members(first: 0) { totalCount }
      active: members(first: 0, filter: { state: ACTIVE }) { totalCount }
      paused: members(first: 0, filter: { state: PAUSED }) { totalCount }
      finished: members(first: 0, filter: { state: FINISHED }) { totalCount }
      replied: members(first: 0, filter: { state: REPLIED }) { totalCount }
      bounced: members(first: 0, filter: { state: BOUNCED }) { totalCount }
      unsubscribed: members(first: 0, filter: { state: UNSUBSCRIBED }) { totalCount }
      removed: members(first: 0, filter: { state: REMOVED }) { totalCount }
    }
  }`;

// A campaign's members (of one state, or all), 100 a page.
export const CAMPAIGN_MEMBERS = gql`
  query CampaignMembers($id: ID!, $state: CampaignMembershipState, $after: String) {
    campaign(id: $id) {
      id
      members(first: 100, after: $after, filter: { state: $state }) {
        pageInfo { hasNextPage endCursor }
        nodes { id state currentStep nextDueAt stopReason person { fullName email } }
      }
    }
  }`;

export const CAMPAIGN_CHANGES = gql`
  subscription CampaignChanges($campaignId: ID!) {
    campaignMembershipChanged(campaignId: $campaignId) { cursor kind state membershipId }
  }`;

export const ACTIVATE_CAMPAIGN = gql`
  mutation ActivateCampaign($input: ActivateCampaignInput!) {
    activateCampaign(input: $input) { campaign { id status } userErrors { field message code } }
  }`;

export const PAUSE_CAMPAIGN = gql`
  mutation PauseCampaign($input: PauseCampaignInput!) {
    pauseCampaign(input: $input) { campaign { id status } userErrors { field message code } }
  }`;

export const RESUME_CAMPAIGN = gql`
  mutation ResumeCampaign($input: ResumeCampaignInput!) {
    resumeCampaign(input: $input) { campaign { id status } userErrors { field message code } }
  }`;

export const EMAIL_ACTIVITY = gql`
  subscription EmailActivity {
    activity(includeMachine: true) { emailId kind occurredAt }
  }`;
