// Token scopes: parent scopes cover their children, a child scope allows only its action,
// BOOKMARK UPDATE is allowed by bookmark.create (upstream has no bookmark.update),
// COLLECTION_BOOKMARK needs both the bookmark and the collection family, and readable() is
// what a pull may return.
#include "domain/scopes.hpp"

#include <gtest/gtest.h>

namespace synclog::domain {
namespace {

constexpr Action kAllActions[] = {Action::kRead, Action::kCreate, Action::kUpdate, Action::kDelete};

TEST(ScopesTest, ActionsFollowMutationTypes) {
  EXPECT_EQ(action_for(MutationType::kCreate), Action::kCreate);
  EXPECT_EQ(action_for(MutationType::kUpdate), Action::kUpdate);
  EXPECT_EQ(action_for(MutationType::kDelete), Action::kDelete);
}

TEST(ScopesTest, ParseSplitsOnSpacesAndIgnoresDuplicates) {
  const auto s = Scopes::parse("  sync   note note.read  sync ");
  EXPECT_TRUE(s.has("sync"));
  EXPECT_TRUE(s.has("note"));
  EXPECT_TRUE(s.has("note.read"));
  EXPECT_FALSE(s.has(""));
  EXPECT_EQ(s.names().size(), 3u);
}

TEST(ScopesTest, NoScopesAllowNothing) {
  const Scopes none;
  for (Resource r : kAllResources) {
    for (Action a : kAllActions) EXPECT_FALSE(none.allows(r, a));
  }
  EXPECT_TRUE(none.readable().empty());
  EXPECT_TRUE(Scopes::parse("sync").readable().empty());
}

TEST(ScopesTest, ParentScopeCoversEveryAction) {
  const auto s = Scopes::parse("bookmark collection note reading_session");
  for (Resource r : kAllResources) {
    for (Action a : kAllActions) EXPECT_TRUE(s.allows(r, a)) << resource_name(r);
  }
}

TEST(ScopesTest, ChildScopeAllowsOnlyItsAction) {
  const auto s = Scopes::parse("note.read");
  EXPECT_TRUE(s.allows(Resource::kNote, Action::kRead));
  EXPECT_FALSE(s.allows(Resource::kNote, Action::kCreate));
  EXPECT_FALSE(s.allows(Resource::kNote, Action::kUpdate));
  EXPECT_FALSE(s.allows(Resource::kNote, Action::kDelete));
  EXPECT_FALSE(s.allows(Resource::kBookmark, Action::kRead));

  const auto d = Scopes::parse("collection.delete");
  EXPECT_TRUE(d.allows(Resource::kCollection, Action::kDelete));
  EXPECT_FALSE(d.allows(Resource::kCollection, Action::kRead));
  EXPECT_FALSE(d.allows(Resource::kCollection, Action::kCreate));
}

TEST(ScopesTest, ScopesOfOneFamilyDoNotOpenAnother) {
  const auto s = Scopes::parse("note");
  EXPECT_FALSE(s.allows(Resource::kBookmark, Action::kRead));
  EXPECT_FALSE(s.allows(Resource::kCollection, Action::kCreate));
  EXPECT_FALSE(s.allows(Resource::kReadingSession, Action::kRead));
}

TEST(ScopesTest, NamesThatOnlyResembleAScopeGrantNothing) {
  const auto s = Scopes::parse("bookmarks note.reads notes.read Note collection.");
  EXPECT_FALSE(s.allows(Resource::kBookmark, Action::kRead));
  EXPECT_FALSE(s.allows(Resource::kNote, Action::kRead));
  EXPECT_FALSE(s.allows(Resource::kCollection, Action::kRead));
}

TEST(ScopesTest, BookmarkCreateAllowsBookmarkUpdate) {
  const auto s = Scopes::parse("bookmark.create");
  EXPECT_TRUE(s.allows(Resource::kBookmark, Action::kCreate));
  EXPECT_TRUE(s.allows(Resource::kBookmark, Action::kUpdate));
  EXPECT_FALSE(s.allows(Resource::kBookmark, Action::kDelete));
  EXPECT_FALSE(s.allows(Resource::kBookmark, Action::kRead));
}

TEST(ScopesTest, OtherCreateScopesDoNotAllowUpdate) {
  EXPECT_FALSE(Scopes::parse("note.create").allows(Resource::kNote, Action::kUpdate));
  EXPECT_FALSE(Scopes::parse("collection.create").allows(Resource::kCollection, Action::kUpdate));
  EXPECT_FALSE(Scopes::parse("bookmark.delete").allows(Resource::kBookmark, Action::kUpdate));
}

TEST(ScopesTest, CollectionUpdateDoesNotLetMembershipsBeRead) {
  // Regression: collection.update once counted for reading memberships too.
  EXPECT_FALSE(Scopes::parse("bookmark.read collection.update")
                   .allows(Resource::kCollectionBookmark, Action::kRead));
  EXPECT_TRUE(Scopes::parse("bookmark.read collection.read")
                  .allows(Resource::kCollectionBookmark, Action::kRead));
  EXPECT_TRUE(Scopes::parse("bookmark.create collection.update")
                  .allows(Resource::kCollectionBookmark, Action::kCreate));
}

TEST(ScopesTest, CollectionBookmarkNeedsBothFamilies) {
  for (Action a : kAllActions) {
    EXPECT_FALSE(Scopes::parse("bookmark").allows(Resource::kCollectionBookmark, a));
    EXPECT_FALSE(Scopes::parse("collection").allows(Resource::kCollectionBookmark, a));
    EXPECT_TRUE(Scopes::parse("bookmark collection").allows(Resource::kCollectionBookmark, a));
  }
  EXPECT_TRUE(Scopes::parse("bookmark.create collection.create")
                  .allows(Resource::kCollectionBookmark, Action::kCreate));
  EXPECT_TRUE(Scopes::parse("bookmark.delete collection.delete")
                  .allows(Resource::kCollectionBookmark, Action::kDelete));
  EXPECT_TRUE(Scopes::parse("bookmark.read collection.read")
                  .allows(Resource::kCollectionBookmark, Action::kRead));
  EXPECT_FALSE(Scopes::parse("bookmark.create collection.delete")
                   .allows(Resource::kCollectionBookmark, Action::kCreate));
  EXPECT_FALSE(Scopes::parse("bookmark.read collection.create")
                   .allows(Resource::kCollectionBookmark, Action::kCreate));
}

TEST(ScopesTest, ReadableListsResourcesWithReadAccess) {
  const auto s = Scopes::parse("sync bookmark note.read");
  const ResourceSet r = s.readable();
  EXPECT_TRUE(r.contains(Resource::kBookmark));
  EXPECT_TRUE(r.contains(Resource::kNote));
  EXPECT_FALSE(r.contains(Resource::kCollection));
  EXPECT_FALSE(r.contains(Resource::kCollectionBookmark));
  EXPECT_FALSE(r.contains(Resource::kReadingSession));

  const ResourceSet both = Scopes::parse("bookmark.read collection.read").readable();
  EXPECT_TRUE(both.contains(Resource::kCollectionBookmark));

  EXPECT_TRUE(Scopes::parse("note.create note.update note.delete").readable().empty());
}

TEST(ScopesTest, AllScopesReadEverything) {
  const auto s = Scopes::from_list(Scopes::all_names());
  EXPECT_TRUE(s.has("sync"));
  EXPECT_EQ(s.readable(), ResourceSet::all());
}

}  // namespace
}  // namespace synclog::domain
