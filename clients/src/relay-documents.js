// Relay documents as a front-end team writes them; relay-compiler checks them against
// ../schema.graphql and generates __generated__/ (persisted: the server runs them by hash).
import { graphql } from "relay-runtime";

export const folderListQuery = graphql`
  query relayDocumentsFolderListQuery($folder: EmailFolder!, $first: Int!, $after: String) {
    ...relayDocuments_folderList @arguments(folder: $folder, first: $first, after: $after)
  }
`;

export const folderListFragment = graphql`
  fragment relayDocuments_folderList on Query
  @refetchable(queryName: "relayDocumentsFolderListPaginationQuery")
  @argumentDefinitions(
    folder: { type: "EmailFolder!" }
    first: { type: "Int!" }
    after: { type: "String" }
  ) {
    emails(folder: $folder, first: $first, after: $after)
      @connection(key: "relayDocuments_emails", filters: ["folder"]) {
      totalCount
      edges {
        node {
          id
          ...relayDocuments_emailCard
        }
      }
    }
  }
`;

export const emailCardFragment = graphql`
  fragment relayDocuments_emailCard on Email
  @refetchable(queryName: "relayDocumentsEmailCardRefetchQuery") {
    id
    subject
    status
    folder
    availableActions
  }
`;

export const createDraftMutation = graphql`
  mutation relayDocumentsCreateDraftMutation($input: CreateDraftInput!) {
    createDraft(input: $input) {
      email {
        id
        subject
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export const statusChangedSubscription = graphql`
  subscription relayDocumentsStatusChangedSubscription {
    emailStatusChanged {
      cursor
      kind
      newStatus
      email {
        id
        status
        subject
      }
    }
  }
`;

// The to-do list pages both ways: it opens on its last page (`last`), and "earlier" prepends
// the page before it (`before`) into the same @connection.
export const taskListQuery = graphql`
  query relayDocumentsTaskListQuery($last: Int, $before: String) {
    ...relayDocuments_taskList @arguments(last: $last, before: $before)
  }
`;

export const taskListFragment = graphql`
  fragment relayDocuments_taskList on Query
  @refetchable(queryName: "relayDocumentsTaskListPaginationQuery")
  @argumentDefinitions(
    first: { type: "Int" }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
  ) {
    tasks(view: ALL, first: $first, after: $after, last: $last, before: $before)
      @connection(key: "relayDocuments_tasks") {
      totalCount
      edges {
        node {
          id
          title
          dueAt
        }
      }
    }
  }
`;
